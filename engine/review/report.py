"""The review diff rendered: text for a terminal, markdown for a pull request, JSON for tools.

The markdown is a document a reviewer reads without the YAML: a summary line, the table
of changes (what, old, new, change, where) and, with scenarios, the table of invoices
under both versions. The JSON shape is documented in docs/reviewing-price-changes.md.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from engine.core.money import text
from engine.review.diff import TariffDiff, signed
from engine.review.impact import Impact, Outcome, ScenarioImpact

NO_CHANGE = "no pricing change"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _heading(d: TariffDiff) -> str:
    old, new = d.old, d.new
    name = old.id if old.id == new.id else f"{old.id} → {new.id}"
    return f"{name}: version {old.version} (from {old.effective_from}) → version {new.version} (from {new.effective_from})"


def _summary(d: TariffDiff) -> str:
    if not d.changed:
        return NO_CHANGE + (" (the documents are identical)" if d.identical else "")
    return _plural(len(d.changes), "pricing change")


def _delta(value: Decimal | None) -> str:
    return "" if value is None else signed(value)


def _percent(value: Decimal | None) -> str:
    return "" if value is None else f"{signed(value)} %"


def _total(outcome: Outcome) -> str:
    return "refused" if outcome.total is None else text(outcome.total)


def _impact_summary(impact: Impact) -> str:
    priced = len(impact.priced)
    line = f"impact on {_plural(len(impact.scenarios), 'scenario')}: "
    if not priced:
        line += "none priced by both versions"
    elif impact.comparable:
        line += f"{text(impact.old_sum)} → {text(impact.new_sum)} {impact.new_currency} ({signed(impact.delta)}"
        line += f", {_percent(impact.relative)})" if impact.relative is not None else ")"
    else:
        line += f"{text(impact.old_sum)} {impact.old_currency} → {text(impact.new_sum)} {impact.new_currency}"
    if priced < len(impact.scenarios):
        line += f" over the {_plural(priced, 'scenario')} both price" if priced else ""
        line += "; " + ", ".join(f"{n} {status}" for status, n in _refusal_counts(impact) if n)
    return line


def _refusal_counts(impact: Impact) -> list[tuple[str, int]]:
    statuses = [s.status for s in impact.scenarios]
    return [(status, statuses.count(status)) for status in ("refused by new", "refused by old", "refused by both")]


def _row(s: ScenarioImpact, comparable: bool) -> tuple[str, str, str, str, str]:
    delta = _delta(s.delta) if comparable else ""
    percent = _percent(s.relative) if comparable else ""
    return s.name, _total(s.old), _total(s.new), delta, percent


def _refusals(impact: Impact) -> list[str]:
    found = []
    for s in impact.scenarios:
        for side, outcome in (("old", s.old), ("new", s.new)):
            if outcome.refusal is not None:
                found.append(f"{s.name}: refused by {side}: {outcome.refusal}")
    return found


# -- text ----------------------------------------------------------------------------------


def render_text(d: TariffDiff, impact: Impact | None = None) -> str:
    out = [_heading(d)]
    out += [f"{c.where}: {c.text}" for c in d.changes]
    out.append(_summary(d))
    if d.notes:
        out += ["", "invoice wording (prices unchanged):"] + [f"{c.where}: {c.text}" for c in d.notes]
    if impact is not None:
        out += ["", _impact_summary(impact), *_table_text(impact)]
        out += [f"  {line}" for line in _refusals(impact)]
    return "\n".join(out) + "\n"


def _table_text(impact: Impact) -> list[str]:
    rows = [("scenario", f"old {impact.old_currency}", f"new {impact.new_currency}", "delta", "%")]
    rows += [_row(s, impact.comparable) for s in impact.scenarios]
    rows.append((f"sum of {len(impact.priced)} priced", *_sum_cells(impact)))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    rule = "  ".join("-" * w for w in widths)
    return [lines[0], rule, *lines[1:-1], rule, lines[-1]]


def _sum_cells(impact: Impact) -> tuple[str, str, str, str]:
    if not impact.priced:
        return "", "", "", ""
    delta = signed(impact.delta) if impact.comparable else ""
    percent = _percent(impact.relative) if impact.comparable else ""
    return text(impact.old_sum), text(impact.new_sum), delta, percent


# -- markdown ----------------------------------------------------------------------------------


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ") if value else " "


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def render_markdown(d: TariffDiff, impact: Impact | None = None) -> str:
    title = f"### {_heading(d)}"
    summary = f"**{_summary(d)}**: `{d.old.file}` → `{d.new.file}`."
    if impact is not None:
        found = _impact_summary(impact)
        summary += f" {found[0].upper()}{found[1:]}."
    out = [title, "", summary]
    if d.changes:
        out += ["", _md_row(("What", "Old", "New", "Change", "Where")), "|---|---|---|---|---|"]
        out += [_md_row((c.subject, c.old or "—", c.new or "—", c.verb, f"`{c.where}`")) for c in d.changes]
    if d.notes:
        out += ["", "Invoice wording (prices unchanged):", ""] + [f"- `{c.where}` {c.text}" for c in d.notes]
    if impact is not None:
        out += ["", "#### Impact on invoices", "", *_impact_markdown(impact)]
    return "\n".join(out) + "\n"


def _impact_markdown(impact: Impact) -> list[str]:
    header = ("Scenario", f"Old total ({impact.old_currency})", f"New total ({impact.new_currency})", "Delta", "Relative")
    out = [_md_row(header), "|---|---:|---:|---:|---:|"]
    out += [_md_row(_row(s, impact.comparable)) for s in impact.scenarios]
    old, new, delta, percent = _sum_cells(impact)
    label = f"Sum of the {_plural(len(impact.priced), 'scenario')} both versions price"
    out.append(_md_row(tuple(f"**{c}**" if c else "" for c in (label, old, new, delta, percent))))
    refusals = _refusals(impact)
    if refusals:
        out += ["", "Refused:", ""] + [f"- {line}" for line in refusals]
    return out


# -- json ----------------------------------------------------------------------------------


def to_dict(d: TariffDiff, impact: Impact | None = None) -> dict[str, Any]:
    return {
        "old": d.old.to_dict(),
        "new": d.new.to_dict(),
        "identical": d.identical,
        "changed": d.changed,
        "summary": _summary(d),
        "changes": [c.to_dict() for c in d.changes],
        "notes": [c.to_dict() for c in d.notes],
        "impact": None if impact is None else _impact_dict(impact),
    }


def _impact_dict(impact: Impact) -> dict[str, Any]:
    comparable = impact.comparable
    return {
        "currency": {"old": impact.old_currency, "new": impact.new_currency},
        "scenarios": [
            {
                "name": s.name,
                "status": s.status,
                "old": {"total": None if s.old.total is None else text(s.old.total), "refusal": s.old.refusal},
                "new": {"total": None if s.new.total is None else text(s.new.total), "refusal": s.new.refusal},
                "delta": None if s.delta is None or not comparable else text(s.delta),
                "relative_percent": None if s.relative is None or not comparable else text(s.relative),
            }
            for s in impact.scenarios
        ],
        "sum": _sum_dict(impact),
    }


def _sum_dict(impact: Impact) -> dict[str, Any]:
    """The sum over the scenarios both versions price; null figures when there are none."""
    some, comparable = bool(impact.priced), impact.comparable and bool(impact.priced)
    return {
        "scenarios": len(impact.priced),
        "old": text(impact.old_sum) if some else None,
        "new": text(impact.new_sum) if some else None,
        "delta": text(impact.delta) if comparable else None,
        "relative_percent": None if impact.relative is None or not comparable else text(impact.relative),
    }


def render_json(d: TariffDiff, impact: Impact | None = None) -> str:
    return json.dumps(to_dict(d, impact), indent=2, ensure_ascii=False) + "\n"
