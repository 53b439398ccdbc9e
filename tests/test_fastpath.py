"""The fast path gives what the general path gives: the same invoice, or the same diagnostics.

`engine.quote` takes the fast path (engine/pricing/fastpath.py) when it can; the reference here is
the general path, step by step: `read_envelope`, `select_version`, `check_usage`, `price`.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import checked_invoice
from hypothesis import given
from hypothesis import strategies as st

import engine
from benchmarks import generate
from engine.pricing.evaluate import price
from engine.pricing.fastpath import fast_plan, quick_envelope
from engine.pricing.quote import select_version
from engine.pricing.usage import check_usage, read_envelope

MIXED = Path(__file__).resolve().parent / "fixtures" / "fastpath" / "mixed"


@pytest.fixture(scope="module")
def mixed() -> engine.Tariff:
    return engine.load_tariff(MIXED)


def reference(target: engine.Tariff | engine.Catalog, document: Any) -> engine.Invoice:
    envelope = read_envelope(document)
    version = select_version(target, envelope)
    return price(version, envelope, check_usage(envelope, version))


def outcome(price_it: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "invoice", price_it(*args).to_json()
    except engine.UsageError as error:
        return "refused", [str(d) for d in error.diagnostics]
    except Exception as error:  # a fault of the general path must be the fast path's too, not hidden by it
        return "raised", type(error).__name__


def assert_same(target: engine.Tariff | engine.Catalog, document: Any) -> tuple[str, Any]:
    fast = outcome(engine.quote, target, document)
    assert fast == outcome(reference, target, document)
    return fast


def fast_invoice(target: engine.Tariff, document: Any) -> engine.Invoice | None:
    """The fast path alone: None when it hands the document to the general path."""
    envelope = quick_envelope(document)
    assert envelope is not None
    version = target.versions[-1]
    return fast_plan(version, version.plans[document["edition"]]).invoice(envelope)


# -- documents of every shape ----------------------------------------------------------------

IM_METERS = {"dau": (0, 10**12), "groups": (0, 10**12)}
IM_OPTIONS = {
    "unlimited_avchatroom": [True],
    "group_member_limit": [2000],
    "group_join_limit": [1000],
    "message_retention_days": [30, 90, 180, 360],
    "audio_video_call": [{"activated_on": "2026-10-15"}, {"activated_on": "2026-11-30"}],
}
MIXED_METERS = {"storage_gb": (0, 3000), "calls": (0, 10**9), "users": (0, 10**6), "minutes": (0, 99_999)}
MIXED_OPTIONS = {
    "support": [True],
    "region": ["eu", "us"],
    "seats_pack": [10, 50],
    "beta": [{"activated_on": "2024-02-20"}, {"activated_on": "2023-11-20"}],
}


@st.composite
def documents(draw: Any, editions: list[str], meters: dict[str, tuple[int, int]], options: dict[str, list[Any]], tariff: str) -> Any:
    """Documents a service would send (mostly valid), some with one or two values from `ODD_VALUES`."""
    document: dict[str, Any] = {"account": "1400000001", "period": draw(st.sampled_from(["2026-11", "2024-02", "2024-03"]))}
    document["edition"] = draw(st.sampled_from(editions))
    if draw(st.booleans()):
        document["tariff"] = tariff
    usage = {}
    for name, (low, high) in meters.items():
        value = st.integers(low, min(high, 400_000))
        usage[name] = draw(st.one_of(value, st.lists(value, min_size=1, max_size=28)))
    document["usage"] = usage
    chosen = draw(st.lists(st.sampled_from(list(options)), max_size=3, unique=True))
    document["addons"] = {name: draw(st.sampled_from(options[name])) for name in chosen}
    for _ in range(draw(st.integers(0, 2))):
        path = draw(st.sampled_from(odd_paths(meters, options)))
        set_path(document, path, draw(st.sampled_from(ODD_VALUES[path[0]])))
    return document


DROP = object()
ODD_VALUES: dict[str, list[Any]] = {
    "tariff": ["other", 5, None, "mixed", "tencent-im", "t" * 101, DROP],
    "account": [1400000002, 0, "", " x", "x ", "a" * 128, "a" * 129, True, -1, 2**200, 2**201, Decimal(5), None, DROP],
    "period": [
        "2026-13",
        "2021-12",
        "1999-01",
        202611,
        "2026-1",
        "0000-01",
        "9000-12",
        "9001-01",
        "２０２６-11",
        dt.date(2026, 11, 5),
        None,
        DROP,
    ],
    "edition": ["gold", 3, "", "Pro", "e" * 101, None, DROP],
    "usage": [None, [], {}, "x", DROP],
    "addons": [None, [], {}, "x", DROP],
    "extra": [1],
    "meter": [
        *[0, -1, 1, 10**12, 10**12 + 1, 2**80, True, "5", 1.5, None, DROP],
        *[Decimal(5), Decimal("5.5"), Decimal("NaN"), Decimal("sNaN"), Decimal("-Infinity")],
        *[
            [],
            [1] * 32,
            [1] * 29,
            [1] * 28,
            [-1, 5],
            [5, -1],
            [1, "x"],
            [1, True],
            [Decimal(2)],
            [10**12 + 1],
            [Decimal("0.5"), 3],
            [2**80],
        ],
    ],
    "option": [
        *[True, False, None, DROP, 1, 0, 30, 90, 2000, 6000, "90", "us", "x" * 101, [90]],
        *[Decimal(90), Decimal("90.0"), Decimal("90.5")],
        *[{"activated_on": "2026-10-15"}, {"activated_on": "2024-02-10"}, {"activated_on": "2026-02-30"}, {"activated_on": 5}, {}],
        *[{"activated_on": "2026-11-01", "x": 1}, {"activated_on": dt.date(2026, 10, 15)}, {"activated_on": dt.datetime(2026, 10, 15)}],
    ],
}


def odd_paths(meters: dict[str, Any], options: dict[str, Any]) -> list[tuple[str, ...]]:
    envelope = [(key,) for key in ("tariff", "account", "period", "edition", "usage", "addons", "extra")]
    return envelope + [("meter", name) for name in [*meters, "dua"]] + [("option", name) for name in [*options, "retention"]]


def set_path(document: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    key, parent = (path[1], "usage") if path[0] == "meter" else (path[1], "addons") if path[0] == "option" else (path[0], None)
    node = document if parent is None else document.get(parent)
    if not isinstance(node, dict):
        node = document[parent or key] = {}
    if value is DROP:
        node.pop(key, None)
    else:
        node[key] = value


IM_DOCUMENTS = documents(["trial", "pro", "pro", "flagship"], IM_METERS, IM_OPTIONS, "tencent-im")
MIXED_DOCUMENTS = documents(["basic", "plus", "plus"], MIXED_METERS, MIXED_OPTIONS, "mixed")


@given(IM_DOCUMENTS)
def test_the_im_tariff_prices_and_refuses_alike_on_both_paths(im, document):
    assert_same(im, document)


@given(MIXED_DOCUMENTS)
def test_every_charge_model_prices_and_refuses_alike_on_both_paths(mixed, document):
    assert_same(mixed, document)


@given(IM_DOCUMENTS)
def test_the_quick_envelope_is_the_envelope_or_nothing(document):
    quick = quick_envelope(document)
    if quick is not None:
        assert quick == read_envelope(document)


IM_BASES = [
    {"tariff": "tencent-im", "account": "1400000001", "period": "2026-11", "edition": "pro", "usage": {"dau": 32000, "groups": [1, 5]}},
    {
        "account": 14,
        "period": "2024-02",
        "edition": "flagship",
        "usage": {"dau": [9000] * 29, "groups": 100_001},
        "addons": {"group_join_limit": 3000},
    },
    {"account": "a", "period": "2026-11", "edition": "trial", "usage": {"dau": 5}},
]
MIXED_BASES = [
    {
        "account": "a",
        "period": "2024-03",
        "edition": "plus",
        "usage": {"storage_gb": [500, 700], "calls": [10, 5000], "users": 150, "minutes": 95},
    },
    {
        "account": "c",
        "period": "2024-03",
        "edition": "plus",
        "usage": {"storage_gb": 2500, "calls": 90000, "users": 7, "minutes": 9},
        "addons": {"support": True, "region": "us", "seats_pack": 50, "beta": {"activated_on": "2024-03-31"}},
    },
    {
        "account": "b",
        "period": "2024-02",
        "edition": "basic",
        "usage": {"storage_gb": 1, "calls": 0, "users": 0},
        "addons": {"region": "eu"},
    },
]


@pytest.mark.parametrize(
    ("tariff", "bases", "meters", "options"), [("im", IM_BASES, IM_METERS, IM_OPTIONS), ("mixed", MIXED_BASES, MIXED_METERS, MIXED_OPTIONS)]
)
def test_each_odd_value_in_each_place_is_treated_alike_on_both_paths(tariff, bases, meters, options, request):
    target = request.getfixturevalue(tariff)
    for base in bases:
        assert fast_invoice(target, base) == reference(target, base)
        for path in odd_paths(meters, options):
            for value in ODD_VALUES[path[0]]:
                document = json.loads(json.dumps(base))
                set_path(document, path, value)
                assert_same(target, document)


def test_a_month_of_generated_accounts_prices_alike_on_both_paths(im):
    outcomes = [assert_same(im, json.loads(json.dumps(record), parse_float=Decimal)) for record in generate.records(3000, bad_rate=0.05)]
    assert {kind for kind, _ in outcomes} == {"invoice", "refused"}


def test_the_fast_path_takes_every_valid_generated_document(im):
    """Not a speed test: a fast path that declined everything would still give right invoices."""
    for record in generate.records(500):
        assert fast_invoice(im, record) == reference(im, record)


def test_a_catalog_prices_alike_on_both_paths():
    catalog = engine.load_catalog()
    for record in generate.records(300):
        assert_same(catalog, record)


def test_mixed_documents_that_the_fast_path_takes(mixed):
    usage = {"storage_gb": [Decimal("500.5"), Decimal("700.25")], "calls": [10, 5000], "users": 150, "minutes": Decimal("95.5")}
    addons = {"support": True, "region": "us", "seats_pack": 10, "beta": {"activated_on": "2024-01-10"}}
    document = {"account": "a", "period": "2024-03", "edition": "plus", "usage": usage, "addons": addons}
    kind, _ = assert_same(mixed, document)
    assert kind == "invoice"
    document = {"account": "a", "period": "2024-03", "edition": "plus", "usage": {**usage, "storage_gb": 1200, "calls": 5000}}
    assert assert_same(mixed, document)[0] == "invoice"


# -- exact figures through the fast path --------------------------------------------------------


def test_the_worked_example_through_the_fast_path(im):
    usage = {"account": "1400000001", "period": "2026-11", "edition": "pro", "usage": {"dau": 32000, "groups": 1}}
    invoice = checked_invoice(engine.quote(im, {**usage, "addons": {"message_retention_days": 90}}))
    assert [(line.id, line.quantity, line.amount) for line in invoice.lines] == [
        ("plan", Decimal(1), Decimal("449.99")),
        ("dau_overage", Decimal(3), Decimal("1349.97")),
        ("group_overage", Decimal(0), Decimal("0.00")),
        ("message_retention", Decimal(1), Decimal("179.99")),
    ]
    assert invoice.total == Decimal("1979.95")
    assert invoice.settlement.deduct_from == "2026-12-01"


def test_a_daily_series_is_billed_on_its_peak(im):
    document = {"account": "1", "period": "2026-02", "edition": "flagship", "usage": {"dau": [9000, 20001, 15000], "groups": [100001]}}
    invoice = checked_invoice(engine.quote(im, document))
    assert [(line.id, line.quantity, line.amount) for line in invoice.lines][1:] == [
        ("dau_overage", Decimal(2), Decimal("899.98")),
        ("group_overage", Decimal(1), Decimal("449.99")),
    ]
    assert invoice.total == Decimal("2249.96")


# -- the generated code ---------------------------------------------------------------------------

_INVENTED = re.compile(r"^(k|m|n|o)[0-9]+$")
_LOCALS = {"usage", "addons", "period", "raw", "bought", "lines", "line", "e", "values", "activations", "details", "checked", "saved", "q"}
_GIVEN = {"type", "len", "int", "list", "Decimal", "PricingInput", "getcontext", "setcontext", "CONTEXT", "ROUNDING", "Line"}


@pytest.mark.parametrize("tariff", ["im", "mixed"])
def test_generated_code_holds_no_tariff_text_and_only_invented_names(tariff, request):
    version = request.getfixturevalue(tariff).versions[0]
    for plan in version.plans.values():
        tree = ast.parse(fast_plan(version, plan).source)
        names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        assert all(_INVENTED.match(name) or name in _LOCALS | _GIVEN for name in names), names
        constants = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)]
        assert all(value in (None, True) or type(value) is int for value in constants), constants


def test_hostile_text_in_a_tariff_stays_data(tmp_path):
    text = (MIXED / "2024-01-01.yaml").read_text("utf-8")
    hostile = '"\\"\\"\\"\\nimport os; os.system(\'echo pwned\')\\n# ()"'
    text = text.replace("  base:\n    model: flat\n", f"  base:\n    model: flat\n    description: {hostile}\n    unit: {hostile}\n")
    directory = tmp_path / "mixed"
    directory.mkdir()
    (directory / "2024-01-01.yaml").write_text(text, "utf-8")
    tariff = engine.load_tariff(directory)
    version = tariff.versions[0]
    assert "pwned" not in fast_plan(version, version.plans["basic"]).source
    invoice = engine.quote(
        tariff, {"account": "a", "period": "2024-02", "edition": "basic", "usage": {"storage_gb": 1, "calls": 1, "users": 1}}
    )
    assert "os.system" in invoice.lines[0].description


def own_charges_tariff(editions: int) -> str:
    """Edition e<k> prices the meters u<k>_0 .. u<k>_2 alone, with a per-unit, a blocks and a conditional flat charge."""
    lines = [
        "id: own",
        'version: "1"',
        "effective_from: 2026-01-01",
        "currency: EUR",
        "description: each edition its own charges",
        "billing_cycle: {period: calendar_month}",
        "settlement: {mode: postpaid, deduction_window: {from_day: 1, until_day: 5}}",
        "rounding: {scale: 2, mode: half_up, apply: per_line}",
        "editions:",
        *(f"  e{k}: {{}}" for k in range(editions)),
        "options:",
        *(f"  x{k}: {{type: switch}}" for k in range(editions)),
        "meters:",
        *(f"  u{k}_{j}: {{type: integer, aggregation: max, minimum: 0, maximum: 1000000}}" for k in range(editions) for j in range(3)),
        "charges:",
    ]
    for k in range(editions):
        lines += [f"  a{k}: {{model: per_unit, quantity: u{k}_0, unit_price: 0.5, editions: [e{k}]}}"]
        lines += [f"  b{k}: {{model: blocks, quantity: u{k}_1, included: 10, block_size: 10, price: 2, editions: [e{k}]}}"]
        lines += [f"  c{k}: {{model: flat, when: u{k}_2 > 3, price: 7, editions: [e{k}]}}"]
        lines += [f"  d{k}: {{model: option, option: x{k}, table: [{{value: true, price: 1.25}}], editions: [e{k}]}}"]
    return "\n".join(lines) + "\n"


def test_an_edition_rater_holds_its_own_charges_only(tmp_path):
    sources = []
    for editions in (12, 40):
        directory = tmp_path / str(editions) / "own"
        directory.mkdir(parents=True)
        (directory / "2026-01-01.yaml").write_text(own_charges_tariff(editions), "utf-8")
        version = engine.load_tariff(directory).versions[0]
        sources.append(fast_plan(version, version.plans["e0"]).source)
    # 12 editions of 4 charges (36 meters, 12 add-ons) or 40 (120 meters, 40 add-ons): e0's function is the same,
    # bound names aside (k<n> counts the values bound before it). Over 32 meters, the others are checked only when given.
    assert re.sub(r"\bk\d+\b", "k", sources[0]) == re.sub(r"\bk\d+\b", "k", sources[1])
    assert sources[0].count("usage.get(") == 3


@pytest.mark.parametrize("editions", [3, 12])  # 9 meters, each checked inline; 36, those given checked by one function
def test_a_meter_another_edition_prices_is_checked_all_the_same(tmp_path, editions):
    directory = tmp_path / "own"
    directory.mkdir()
    (directory / "2026-01-01.yaml").write_text(own_charges_tariff(editions), "utf-8")
    tariff = engine.load_tariff(directory)
    base = {"account": "a", "period": "2026-03", "edition": "e0", "usage": {"u0_0": 7, "u0_1": 35, "u0_2": 4}, "addons": {"x0": True}}
    # 7 × 0.5 = 3.50; ceil((35 - 10) / 10) = 3 blocks × 2 = 6.00; 4 > 3: 7.00; x0 bought: 1.25. 3.50 + 6.00 + 7.00 + 1.25 = 17.75
    assert str(engine.quote(tariff, base).total) == "17.75"
    for other in (5, [1, 9], 1_000_001, -1, True, "5", Decimal("1.5"), 1.5, None):
        document = {**base, "usage": {**base["usage"], "u2_1": other}}
        kind, found = assert_same(tariff, document)
        assert (kind == "invoice") == (other == 5), (other, found)  # u2_1 is one whole number in [0, 1000000]
        assert (fast_invoice(tariff, document) is not None) == (other == 5)  # the rater itself checks it
        if kind == "invoice":
            assert found == engine.quote(tariff, base).to_json()  # a meter e0 does not price adds nothing
    assert assert_same(tariff, {**base, "usage": {**base["usage"], "u9_9": 1}})[0] == "refused"  # not a meter of the tariff
    assert assert_same(tariff, {**base, "addons": {"x1": True}})[0] == "refused"  # an add-on e0 does not offer


def test_an_edition_of_many_meters_reads_them_in_a_loop_and_prices_alike(tmp_path):
    from benchmarks.large import tariff_text, usage

    directory = tmp_path / "large"
    directory.mkdir()
    (directory / "2026-01-01.yaml").write_text(tariff_text(40, 2), "utf-8")  # 40 meters, each priced on both editions
    tariff = engine.load_tariff(directory)
    version = tariff.versions[0]
    source = fast_plan(version, version.plans["e1"]).source
    assert "meters, counts = " in source and "usage.get(" not in source  # read in one loop, not line by line
    for base in usage(40, 2, 3):
        assert fast_invoice(tariff, base) == reference(tariff, base)
        for meter in ("m0", "m1", "m2", "m3", "m39", "m40"):  # per unit, blocks, tiers, a conditional fee, the last; unknown
            for value in ODD_VALUES["meter"]:
                document = json.loads(json.dumps(base, default=str), parse_float=Decimal)
                set_path(document, ("meter", meter), value)
                assert_same(tariff, document)
