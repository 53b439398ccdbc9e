"""Properties of pricing over random usage documents, valid and invalid, against every tariff
that ships or sits in tests/fixtures (any directory of YYYY-MM-DD.yaml files that loads;
deliberately broken fixtures are left to their own tests).

- the engine returns an invoice valid under schemas/invoice.schema.json whose total is the
  exact sum of its lines (rounded once when the tariff rounds the total), or raises
  `engine.Error`: never anything else;
- the same input gives byte-identical JSON;
- the IM total never decreases when a usage value grows;
- one compiled tariff priced from many threads gives the single-thread results.
"""

from __future__ import annotations

import calendar
import copy
import datetime as dt
import json
import random
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pricing_cases import hand_round

import engine
from engine.core.resources import schema
from engine.language.catalog import is_version_file

ROOT = Path(__file__).resolve().parent.parent
INVOICE_SCHEMA = jsonschema.Draft7Validator(schema("invoice"))


def _discover() -> dict[str, engine.Tariff]:
    directories = sorted(
        {path.parent for base in (ROOT / "tariffs", ROOT / "tests" / "fixtures") for path in base.rglob("*.yaml") if is_version_file(path)}
    )
    found: dict[str, engine.Tariff] = {}
    for directory in directories:
        try:
            tariff = engine.load_tariff(directory)
        except engine.TariffError:
            continue  # a broken fixture, tested with its expected diagnostics elsewhere
        found[str(directory.relative_to(ROOT))] = tariff
    return found


TARIFFS = _discover()


def test_the_shipped_and_fixture_tariffs_are_found() -> None:
    assert {"tariffs/tencent-im", "tests/fixtures/hardening-mix"} <= set(TARIFFS)


# -- random usage documents, drawn from what a tariff declares -------------------------------

GARBAGE = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=5),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.decimals(allow_nan=True, allow_infinity=True, places=3),
    st.lists(st.integers(-5, 5), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _months_after(day: dt.date, months: int) -> str:
    index = day.year * 12 + day.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _days_of(period: str) -> int:
    year, month = map(int, period.split("-"))
    return calendar.monthrange(year, month)[1]


@st.composite
def meter_values(draw: st.DrawFn, meter: Any, days: int, valid: bool) -> Any:
    """A value for the meter; a daily series of 1 to `days` values, or of exactly `days` when it must be whole."""
    low, high = int(meter.minimum), int(min(meter.maximum, Decimal(10**13)))
    edges = st.sampled_from(sorted({low, high, min(high, low + 1), min(high, 10_000), min(high, 100_001)}))
    whole = st.one_of(edges, st.integers(low, high))
    number = whole if meter.type == "integer" else st.one_of(whole, st.decimals(low, high, places=4, allow_nan=False))
    kind = draw(st.integers(2 if valid else 0, 9))
    if kind == 0:
        return draw(GARBAGE)
    if kind == 1:
        return draw(st.one_of(st.just(high + 1), st.just(low - 1), st.just(True), st.just(Decimal("0.5"))))
    if kind <= 4 and meter.daily:
        return draw(st.lists(number, min_size=1 if meter.partial_series else days, max_size=days))
    return draw(number)


@st.composite
def usage_documents(draw: st.DrawFn, tariff: engine.Tariff, valid: bool = False) -> dict[str, Any]:
    version = draw(st.sampled_from(tariff.versions))
    period = _months_after(version.effective_from, draw(st.integers(0 if valid else -2, 30)))
    days = 28
    edition = draw(st.sampled_from(list(version.plans)))
    document: dict[str, Any] = {"tariff": tariff.id, "account": draw(st.sampled_from(["1400000001", "acct-7", 42])), "period": period}
    document["edition"] = edition if valid or draw(st.integers(0, 19)) else draw(GARBAGE)
    plan = version.plans[edition]
    usage = {}
    for name, meter in version.meters.items():
        if name in plan.required_meters or draw(st.booleans()):
            usage[name] = draw(meter_values(meter, days if meter.partial_series else _days_of(period), valid))
    document["usage"] = usage
    document["addons"] = draw(_addons(version, plan, period, valid))
    if version.billing.cycle(edition).cycle.alignment == "anniversary":  # periods count from the subscription's start
        start = version.effective_from.replace(day=1) + dt.timedelta(days=draw(st.integers(0, 27)))
        document["timeline"] = {"start": start.isoformat()}
    if not valid and not draw(st.integers(0, 14)):
        document[draw(st.sampled_from(["usage_x", "colour", "addons"]))] = draw(GARBAGE)
    return document


@st.composite
def _addons(draw: st.DrawFn, version: Any, plan: Any, period: str, valid: bool) -> dict[str, Any]:
    addons: dict[str, Any] = {}
    for name, option in version.options.items():
        offer = plan.offers.get(name)
        if not draw(st.booleans()):
            continue
        if not valid and not draw(st.integers(0, 5)):
            addons[name] = draw(GARBAGE)
        elif offer is None:
            if not valid:
                addons[name] = True
        elif option.type == "activation":
            first = dt.date.fromisoformat(period + "-01")
            start = first - dt.timedelta(days=draw(st.integers(0 if valid else -40, 90)))
            addons[name] = {"activated_on": start.isoformat()}
        else:
            addons[name] = draw(st.sampled_from(list(offer.prices)))
    return addons


# -- the properties --------------------------------------------------------------------------


def _check_invoice(tariff: engine.Tariff, invoice: engine.Invoice) -> None:
    INVOICE_SCHEMA.validate(json.loads(invoice.to_json()))
    version = next(v for v in tariff.versions if v.version == invoice.tariff.version and v.file == invoice.tariff.file)
    exact = sum((line.amount for line in invoice.lines), Decimal(0))
    rounding = version.rounding  # compared with the tests' own rounding (`hand_round`), not the engine's
    if rounding.apply == "per_line":
        assert invoice.total == exact
        assert all(line.amount == hand_round(line.amount, rounding.scale, rounding.mode) for line in invoice.lines)
    else:
        assert invoice.total == hand_round(exact, rounding.scale, rounding.mode)
    written = invoice.to_dict()["total"]  # every total at the declared scale, whatever its lines
    assert written == format(hand_round(invoice.total, rounding.scale, rounding.mode), "f") and not written.startswith("-0")
    assert len(written.partition(".")[2]) == rounding.scale


def _outcome(tariff: engine.Tariff, document: dict[str, Any]) -> str:
    """The invoice JSON, or the diagnostics of the engine error; anything else fails the test."""
    try:
        invoice = engine.quote(tariff, document)
    except engine.Error as error:
        assert error.diagnostics and all(d.path or d.file for d in error.diagnostics)
        return "error: " + str(error)
    _check_invoice(tariff, invoice)
    return invoice.to_json()


@pytest.mark.parametrize("key", sorted(TARIFFS))
@given(data=st.data())
def test_any_usage_gives_a_valid_invoice_or_an_engine_error_and_the_same_json_twice(key: str, data: st.DataObject) -> None:
    tariff = TARIFFS[key]
    document = data.draw(usage_documents(tariff))
    first = _outcome(tariff, document)
    assert _outcome(tariff, copy.deepcopy(document)) == first


@pytest.mark.parametrize("key", sorted(TARIFFS))
@given(data=st.data())
def test_valid_usage_gives_an_invoice(key: str, data: st.DataObject) -> None:
    tariff = TARIFFS[key]
    document = data.draw(usage_documents(tariff, valid=True))
    outcome = _outcome(tariff, document)
    # a valid document may still be refused for a published reason: a trial with no price after it
    assert not outcome.startswith("error: ") or "[no-price]" in outcome, outcome


IM = TARIFFS["tariffs/tencent-im"]


@given(data=st.data())
def test_the_im_total_never_decreases_when_a_usage_value_grows(data: st.DataObject) -> None:
    document = data.draw(usage_documents(IM, valid=True))
    document["usage"] = {"dau": 0, "groups": 0, **document["usage"]}
    before = _outcome(IM, document)
    if before.startswith("error: "):
        return
    grown = copy.deepcopy(document)
    meter = data.draw(st.sampled_from(sorted(grown["usage"])))
    series = grown["usage"][meter]
    index = data.draw(st.integers(0, len(series) - 1)) if isinstance(series, list) else None
    current = series[index] if index is not None else series
    larger = data.draw(st.integers(current, 10**12))
    if index is None:
        grown["usage"][meter] = larger
    else:
        series[index] = larger
    after = engine.quote(IM, grown)
    assert after.total >= Decimal(json.loads(before)["total"])


def test_one_compiled_tariff_priced_from_many_threads_gives_the_single_thread_results() -> None:
    pick = random.Random(20261101)
    documents = []
    for key, tariff in sorted(TARIFFS.items()):
        documents += [(key, _seeded_document(tariff, pick)) for _ in range(40)]
    expected = [_outcome(TARIFFS[key], document) for key, document in documents]

    assert sum(not outcome.startswith("error: ") for outcome in expected) > len(documents) // 2

    def run(offset: int) -> list[str]:
        order = list(range(len(documents)))
        random.Random(offset).shuffle(order)
        results = [""] * len(documents)
        for _ in range(3):
            for index in order:
                key, document = documents[index]
                try:
                    results[index] = engine.quote(TARIFFS[key], document).to_json()
                except engine.Error as error:
                    results[index] = "error: " + str(error)
        return results

    with ThreadPoolExecutor(max_workers=8) as pool:
        for results in pool.map(run, range(8)):
            assert results == expected


def _seeded_document(tariff: engine.Tariff, pick: random.Random) -> dict[str, Any]:
    """A valid document from a seeded generator: threads must agree on real invoices, not only errors."""
    version = pick.choice(tariff.versions)
    edition = pick.choice(list(version.plans))
    plan = version.plans[edition]
    usage: dict[str, Any] = {}
    period = _months_after(version.effective_from, pick.randint(0, 12))
    for name, meter in version.meters.items():
        low = int(meter.minimum)
        top = max(low, int(min(meter.maximum, Decimal(low + 10**9))))
        count = (pick.randint(1, 28) if meter.partial_series else _days_of(period)) if meter.daily else 1
        values = [pick.randint(low, top) for _ in range(count)]
        if meter.type != "integer":
            values = [Decimal(v) / 1000 for v in values]
        usage[name] = values if meter.daily and len(values) > 1 else values[0]
    addons = {
        name: pick.choice(list(offer.prices)) for name, offer in plan.offers.items() if hasattr(offer, "prices") and pick.random() < 0.5
    }
    return {
        "account": "thread",
        "period": period,
        "edition": edition,
        "usage": usage,
        "addons": addons,
    }


# -- raw documents: whatever the bytes, a document or a UsageError ----------------------------

KEYS = st.text(max_size=8) | st.sampled_from(["account", "period", "edition", "usage", "addons", "dau", "groups"])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.sampled_from(["2026-11", "pro", "dau", "usage", "addons"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=20,
)
YAMLISH = st.text(alphabet="ab01:-[]{}&*!%|>#'\"\n\t .,~?@`\x00\x85\ufeff", max_size=80)


@given(st.one_of(st.binary(max_size=200), YAMLISH.map(str.encode), JSON_VALUES.map(lambda value: json.dumps(value).encode())))
def test_any_bytes_are_read_as_a_document_or_refused_with_a_usage_error(raw: bytes) -> None:
    from engine.pricing.documents import parse_usage

    for name in ("u.json", "u.yaml"):
        try:
            document = parse_usage(raw, name)
        except engine.UsageError as error:
            assert error.diagnostics and all(d.file or d.path for d in error.diagnostics)
            continue
        _outcome(IM, document)  # an invoice, or an engine error; nothing else
