"""Generated tariffs of any size: `charges` charges over `editions` editions, valid and deterministic.

The charges cycle through four models so a large tariff looks like a long price list, not
one line repeated: a flat fee priced per edition (its size grows with the editions), a
per-unit charge with one edition's price overridden, graduated tiers, and blocks above an
included quantity. Each charge but the flat fees has its own meter.

    python -m benchmarks.sizes --charges 1000 --editions 50 > large.yaml
"""

from __future__ import annotations

import argparse
import sys

HEADER = """\
# A generated tariff (benchmarks/sizes.py): {charges} charges, {editions} editions.
id: generated
version: "1"
effective_from: 2026-01-01
currency: USD
description: A generated price list of {charges} charges over {editions} editions
billing_cycle: {{period: calendar_month}}
settlement:
  mode: postpaid
  deduction_window: {{from_day: 1, until_day: 3}}
rounding: {{scale: 2, mode: half_up, apply: per_line}}
"""


def tariff_text(charges: int, editions: int) -> str:
    """The YAML text of a valid tariff with `charges` charges and `editions` editions (both at least 1)."""
    names = [f"edition_{index}" for index in range(editions)]
    out = [HEADER.format(charges=charges, editions=editions), "editions:\n"]
    for index, name in enumerate(names):
        out.append(f"  {name}:\n    description: Edition {index}, billed monthly\n    attributes: {{included: {100 * (index + 1)}}}\n")
    out.append("\nmeters:\n")
    for index in range(charges):
        if index % 4 == 0:
            continue  # a flat fee measures nothing
        out.append(f"  meter_{index}:\n    description: Measured quantity {index}\n    unit: units\n")
        out.append("    type: integer\n    aggregation: max\n    series: daily\n    minimum: 0\n    maximum: 1000000000\n")
    out.append("\ncharges:\n")
    for index in range(charges):
        out.append(_charge(index, names))
    return "".join(out)


def _charge(index: int, names: list[str]) -> str:
    price = f"{index % 97 + 1}.{index % 100:02d}"
    head = f"  charge_{index}:\n    description: Charge number {index}\n"
    on = ", ".join(names)
    model = index % 4
    if model == 0:
        rows = "".join(
            f"      {name}: {{price: {number + index % 7}.{(number * 13 + index) % 100:02d}}}\n"
            for number, name in enumerate(names)
        )
        return f"{head}    model: flat\n    editions:\n{rows}"
    if model == 1:
        override = f"      {names[-1]}: {{unit_price: 0.{index % 90 + 10}}}\n"
        rest = "".join(f"      {name}: {{}}\n" for name in names[:-1])
        body = f"    model: per_unit\n    quantity: meter_{index}\n    unit: units\n    unit_price: {price}\n"
        return f"{head}{body}    editions:\n{rest}{override}"
    if model == 2:
        return (
            f"{head}    model: tiered\n    quantity: meter_{index}\n    mode: graduated\n    tiers:\n"
            f"      - {{up_to: 1000, unit_price: 0}}\n"
            f"      - {{above: 1000, up_to: 100000, unit_price: 0.{index % 900 + 100:03d}}}\n"
            f"      - {{above: 100000, up_to: null, unit_price: 0.0{index % 90 + 10}}}\n"
            f"    editions: [{on}]\n"
        )
    return (
        f"{head}    model: blocks\n    quantity: meter_{index}\n    unit: block of 1,000 units\n"
        f"    included: 1000\n    block_size: 1000\n    round: up\n    price: {price}\n    editions: [{on}]\n"
    )


def charges_for(kilobytes: float, editions: int) -> int:
    """How many charges make a tariff of about `kilobytes` KB with `editions` editions."""
    one, ten = len(tariff_text(1, editions)), len(tariff_text(11, editions))
    per_charge = (ten - one) / 10
    return max(1, round((kilobytes * 1024 - (one - per_charge)) / per_charge))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sizes", description=__doc__.split("\n\n")[0])
    parser.add_argument("--charges", type=int, default=100)
    parser.add_argument("--editions", type=int, default=3)
    args = parser.parse_args(argv)
    sys.stdout.write(tariff_text(args.charges, args.editions))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
