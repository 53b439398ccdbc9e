"""The performance targets: each measured figure beside its goal, and a summary that flags the misses.

A section of the benchmark returns `Target`s among its rows; `python -m benchmarks` prints them
after the figures, one per line with the figure that decides it, the misses in red on a terminal
and marked MISSED in any case.
"""

from __future__ import annotations

import os
import sys
from typing import NamedTuple


class Target(NamedTuple):
    """One target, met when `value` is at most `limit`; `text` gives the figure and the goal in words."""

    name: str
    text: str
    value: float
    limit: float

    @property
    def met(self) -> bool:
        return self.value <= self.limit


def ratio_at_most(name: str, figure: str, ratio: float, limit: float, reference: str) -> Target:
    """`figure` is at most `limit` times `reference` (a slowdown bound)."""
    return Target(name, f"{figure}: {ratio:.2f}× {reference} (goal: at most {limit:g}×)", ratio, limit)


def ratio_at_least(name: str, figure: str, ratio: float, minimum: float, reference: str) -> Target:
    """`figure` is at least `minimum` times `reference` (a speed-up), compared as the inverse ratio."""
    return Target(name, f"{figure}: {ratio:.2f}× {reference} (goal: at least {minimum:g}×)", 1 / ratio, 1 / minimum)


def value_at_most(name: str, value: float, unit: str, limit: float, how: str = "") -> Target:
    """An absolute bound, as `12.3 ms/KB (goal: at most 2 ms/KB)`."""
    return Target(name, f"{value:.3g} {unit}{' ' + how if how else ''} (goal: at most {limit:g} {unit})", value, limit)


def lines(targets: list[Target], colour: bool | None = None) -> list[str]:
    """The summary: one line per target; misses in red on a terminal, and marked MISSED everywhere."""
    if colour is None:
        colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    width = max((len(target.name) for target in targets), default=0)
    out = []
    for target in targets:
        text = f"{'met' if target.met else 'MISSED':6}  {target.name.ljust(width)}  {target.text}"
        out.append(text if target.met or not colour else f"\033[31m{text}\033[0m")
    return out
