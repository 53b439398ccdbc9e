"""The expression language: exact Decimal arithmetic, declared names only, a whitelist."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.language.expressions import EvaluationError, ExpressionError, compile_expression


def evaluate(text: str, **values: object) -> object:
    return compile_expression(text, set(values)).evaluate(values)


def test_literals_are_exact_decimals():
    assert evaluate("0.1 + 0.2") == Decimal("0.3")
    assert evaluate("449.99 * 3") == Decimal("1349.97")
    assert evaluate("1_000 + 0.000000000000000000001") == Decimal("1000.000000000000000000001")


def test_functions_and_conditions():
    assert evaluate("ceil(max(0, dau - 10000) / 10000)", dau=Decimal(32000)) == Decimal(3)
    assert evaluate("floor(x / 3)", x=Decimal(10)) == Decimal(3)
    assert evaluate("min(a, b, 7)", a=Decimal(9), b=Decimal(8)) == Decimal(7)
    assert evaluate("1 if on and n >= 2 else 0", on=True, n=Decimal(2)) == Decimal(1)
    assert evaluate("2 ** 8") == Decimal(256)


def test_names_are_reported_for_required_meter_analysis():
    assert compile_expression("max(0, dau - included)", {"dau", "included", "groups"}).names == frozenset({"dau", "included"})


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("dua + 1", "unknown name 'dua' (known names: dau)", 0),
        ("dau +", "expression does not parse: invalid syntax", 5),
        ("dau.real", "attribute access is not allowed in a tariff expression", 0),
        ("abs(dau)", "calling abs is not allowed (functions: min, max, ceil, floor)", 0),
        ("dau ** dau", "a power needs a whole-number literal exponent from 0 to 8", 0),
        ("dau ** 9", "a power needs a whole-number literal exponent from 0 to 8", 0),
        ("ceil", "'ceil' is a function: call it, as ceil(...)", 0),
        ("dau; dau", "only one expression is allowed", 0),
        ("dau in dau", "comparison In is not allowed", 0),
        ("'x' * 3", "text cannot take part in arithmetic", 0),
        ("", "expression is empty", 0),
    ],
)
def test_refused_with_message_and_column(text, message, offset):
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text, {"dau"})
    assert (caught.value.message, caught.value.offset) == (message, offset)


def test_runtime_failures_are_wrapped():
    with pytest.raises(EvaluationError, match="division by zero"):
        evaluate("1 / x", x=Decimal(0))
    with pytest.raises(EvaluationError, match="missing or of the wrong kind"):
        evaluate("x + 1", x=None)
