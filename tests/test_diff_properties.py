"""What is not a change: the same tariff, reordered, re-quoted, re-commented or re-laid-out."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from conftest import TARIFFS
from hypothesis import given
from hypothesis import strategies as st
from tariff_text import edited, emit, write_version

from engine.cli import main
from engine.language.source import parse_yaml
from engine.review.canonical import render_canonical
from engine.review.diff import diff
from engine.review.revisions import Document, compile_document, read_document

IM = TARIFFS / "tencent-im" / "2022-01-01.yaml"


def document(text: str) -> Document:
    return compile_document(text.encode("utf-8"), "random/tariff.yaml", Path("tariff.yaml"))


def im_data() -> Any:
    data, problems = parse_yaml(IM.read_bytes(), "tencent-im/2022-01-01.yaml")
    assert problems == []
    return data


def test_a_file_diffed_with_itself_is_empty():
    found = diff(read_document(str(IM)), read_document(str(IM)))
    assert (found.changes, found.notes, found.identical, found.changed) == ((), (), True, False)


def test_the_im_tariff_reordered_requoted_and_without_its_comments_is_no_change(tmp_path, capsys):
    text = emit(im_data(), random.Random(7))
    assert text != IM.read_text() and "# Rule" not in text
    new = write_version(tmp_path / "tencent-im", "2022-01-01.yaml", text)
    found = diff(read_document(str(IM)), read_document(str(new)))
    assert (found.changes, found.notes, found.identical) == ((), (), False)
    assert main(["diff", str(IM), str(new), "--exit-code"]) == 0
    assert capsys.readouterr().out == "tencent-im: version 1 (from 2022-01-01) → version 1 (from 2022-01-01)\nno pricing change\n"


def test_comments_quoting_and_number_spelling_are_no_change(tmp_path):
    text = edited(
        IM.read_text(),
        ("# Rule 2: the plan fee for the whole month, no proration.", "# The plan fee: reworded comment."),
        ("      pro: {price: 449.99}", "      pro:\n        price: 449.990   # same price, another spelling"),
        ("    model: flat", '    model: "flat"'),
        ("    quantity: dau\n", "    quantity: 'dau'\n"),
        ("    block_size: 10000\n", "    block_size: 10000.0\n"),
    )
    new = write_version(tmp_path / "tencent-im", "2022-01-01.yaml", text)
    assert diff(read_document(str(IM)), read_document(str(new))).changes == ()


# -- random valid tariffs ---------------------------------------------------------------------

MONEY = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False)
EDITIONS = ("free", "pro", "team", "max")
METERS = ("dau", "gb", "calls")


@st.composite
def tariffs(draw: st.DrawFn) -> dict[str, Any]:
    """A random tariff document the engine accepts: every charge model, overrides, options."""
    editions = draw(st.lists(st.sampled_from(EDITIONS), min_size=1, max_size=3, unique=True))
    meters = draw(st.lists(st.sampled_from(METERS), min_size=1, max_size=3, unique=True))
    doc: dict[str, Any] = {
        "id": "random",
        "version": draw(st.sampled_from(["1", "2.0", "v7"])),
        "effective_from": "2025-01-01",
        "currency": draw(st.sampled_from(["USD", "EUR", "KRW"])),
        "description": "random",
        "billing_cycle": {"period": "calendar_month"},
        "settlement": {"mode": "postpaid", "deduction_window": {"from_day": 1, "until_day": draw(st.integers(1, 28))}},
        "rounding": {"scale": 2, "mode": draw(st.sampled_from(["half_up", "half_even", "up", "down"])), "apply": "per_line"},
        "editions": {name: {"attributes": {"quota": draw(st.integers(0, 1000))}} for name in editions},
        "meters": {name: {"type": "integer", "aggregation": "max", "maximum": 10**9, "unit": "units"} for name in meters},
        "options": {},
        "charges": {},
    }
    for index in range(draw(st.integers(1, 6))):
        model = draw(st.sampled_from(["flat", "per_unit", "blocks", "tiered", "option", "trial"]))
        on = draw(st.lists(st.sampled_from(editions), min_size=1, unique=True))
        doc["charges"][f"c{index}"] = draw(_charge(model, on, meters, doc["options"], index))
    return doc


@st.composite
def _charge(draw: st.DrawFn, model: str, on: list[str], meters: list[str], options: dict[str, Any], index: int) -> dict[str, Any]:
    meter = draw(st.sampled_from(meters))
    if model == "flat":
        return {"model": "flat", "editions": {e: {"price": draw(MONEY)} for e in on}}
    if model == "per_unit":
        quantity = draw(st.sampled_from([meter, f"max(0, {meter} - quota)", f"{meter} / 1000"]))
        return {"model": "per_unit", "quantity": quantity, "unit_price": draw(MONEY), "editions": on}
    if model == "blocks":
        size = draw(st.integers(1, 100000))
        return {"model": "blocks", "quantity": meter, "included": "quota", "block_size": size, "price": draw(MONEY), "editions": on}
    if model == "tiered":
        bounds = sorted(draw(st.lists(st.integers(1, 10**6), min_size=0, max_size=3, unique=True)))
        tiers = [{"up_to": b, "unit_price": draw(MONEY)} for b in bounds] + [{"up_to": None, "unit_price": draw(MONEY)}]
        mode = draw(st.sampled_from(["graduated", "volume"]))
        return {"model": "tiered", "quantity": meter, "mode": mode, "tiers": tiers, "editions": on}
    if model == "option":
        switch = draw(st.booleans())
        options[f"o{index}"] = {"type": "switch" if switch else "choice", "unit": "days"}
        values = [True] if switch else draw(st.lists(st.sampled_from([30, 90, 180, "gold", "silver"]), min_size=1, max_size=4, unique=True))
        return {
            "model": "option",
            "option": f"o{index}",
            "editions": {e: {"table": [{"value": v, "price": draw(MONEY)} for v in values]} for e in on},
        }
    options[f"o{index}"] = {"type": "activation"}
    after = draw(st.one_of(st.none(), MONEY))
    return {"model": "trial", "option": f"o{index}", "free_days": draw(st.integers(1, 365)), "editions": on} | (
        {} if after is None else {"price_after": after}
    )


@given(tariffs())
def test_a_random_tariff_diffed_with_itself_is_empty(doc):
    text = emit(doc)
    found = diff(document(text), document(text))
    assert (found.changes, found.notes) == ((), ())


@given(tariffs(), st.randoms(use_true_random=False))
def test_a_random_tariff_reordered_and_requoted_is_no_change(doc, rng):
    plain, shuffled = document(emit(doc)), document(emit(doc, rng))
    found = diff(plain, shuffled)
    assert (found.changes, found.notes) == ((), ())
    assert render_canonical(plain.version, plain.source) == render_canonical(shuffled.version, shuffled.source)


@given(tariffs(), st.data())
def test_a_random_flat_price_changed_is_one_change(doc, data):
    if not any(c["model"] == "flat" for c in doc["charges"].values()):
        doc["charges"]["fee"] = {"model": "flat", "editions": {edition: {"price": data.draw(MONEY)} for edition in doc["editions"]}}
    flats = [(cid, e) for cid, c in doc["charges"].items() if c["model"] == "flat" for e in c["editions"]]
    charge, edition = data.draw(st.sampled_from(flats))
    old = doc["charges"][charge]["editions"][edition]["price"]
    doc["charges"][charge]["editions"][edition]["price"] = old + Decimal("1.00")
    changed = document(emit(doc))
    doc["charges"][charge]["editions"][edition]["price"] = old
    found = diff(document(emit(doc)), changed)
    assert [c.subject for c in found.changes] == [f"{edition} / {charge} / price"]
    assert found.changes[0].text.startswith(f"{edition} / {charge} / price: {old} → {old + Decimal('1.00')} ")
