"""Tariff expressions as a sandbox: what is refused at load, what fails at pricing, and why
no accepted expression can run long (bounded by construction, not by a clock)."""

from __future__ import annotations

import decimal
import dis
import time
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.core.money import PRICING_CONTEXT
from engine.language.expressions import MAX_NODES, EvaluationError, ExpressionError, compile_expression

NAMES = frozenset({"dau", "plan", "switch"})


def refusal(text: str) -> str:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text, NAMES)
    return caught.value.message


def evaluate(text: str, values: dict[str, Any], names: frozenset[str] = NAMES) -> Any:
    with decimal.localcontext(PRICING_CONTEXT):
        return compile_expression(text, names).evaluate(values)


REFUSED = [
    ("().__class__", "attribute access is not allowed in a tariff expression"),
    ("dau.__class__.__bases__", "attribute access is not allowed in a tariff expression"),
    ("__import__('os').system('true')", "calling __import__('os').system is not allowed (functions: min, max, ceil, floor)"),
    ("__import__('os')", "calling __import__ is not allowed (functions: min, max, ceil, floor)"),
    ("__builtins__", "name '__builtins__' is not allowed (names starting with '_' are reserved)"),
    ("_k0", "name '_k0' is not allowed (names starting with '_' are reserved)"),
    ("_number(dau)", "calling _number is not allowed (functions: min, max, ceil, floor)"),
    ("lambda: 1", "lambda is not allowed in a tariff expression"),
    ("[d for d in dau]", "comprehensions are not allowed in a tariff expression"),
    ("{d: 1 for d in dau}", "comprehensions are not allowed in a tariff expression"),
    ("sum(d for d in dau)", "calling sum is not allowed (functions: min, max, ceil, floor)"),
    ("max(d for d in dau)", "max() takes from 2 to 8 arguments"),
    ("f'{dau}'", "f-strings are not allowed in a tariff expression"),
    ("open('/etc/passwd')", "calling open is not allowed (functions: min, max, ceil, floor)"),
    ("dau(1)", "calling dau is not allowed (functions: min, max, ceil, floor)"),
    ("(dau := 1)", "assignment expressions are not allowed in a tariff expression"),
    ("dau = 1", "only an expression is allowed, not a statement"),
    ("import os", "only an expression is allowed, not a statement"),
    ("dau; dau", "only one expression is allowed"),
    ("9 ** 9 ** 9", "a power needs a whole-number literal exponent from 0 to 8"),
    ("dau ** dau", "a power needs a whole-number literal exponent from 0 to 8"),
    ("dau ** 9", "a power needs a whole-number literal exponent from 0 to 8"),
    ("'a' * 1000000000", "text cannot take part in arithmetic"),
    ("'%999999999d' % dau", "text cannot take part in arithmetic"),
    ("[1] * 1000000000", "lists are not allowed in a tariff expression"),
    ("(1,) * 1000000000", "tuples are not allowed in a tariff expression"),
    ("True + 1", "True cannot take part in arithmetic"),
    ("(dau > 0) * 449.99", "a condition (true or false) cannot take part in arithmetic"),
    ("-(not dau)", "a condition (true or false) cannot take part in arithmetic"),
    ("not 'a'", "text is only allowed in a comparison, as in plan == 'gold'"),
    ("None", "None is only allowed in a comparison, as in plan == 'gold'"),
    ("plan == '" + "g" * 101 + "'", "text literal longer than 100 characters"),
    ("1e999999", "number literal 1e999999 is out of range (at most 40 digits, below 1e41)"),
    ("dau * 0.1" + "0" * 60 + "1", "number literal 0.1" + "0" * 44 + "... is out of range (at most 40 digits, below 1e41)"),
    ("min(dau)", "min() takes from 2 to 8 arguments"),
    ("max(" + ", ".join(["dau"] * 9) + ")", "max() takes from 2 to 8 arguments"),
    ("ceil(dau, 2)", "ceil() takes exactly one argument"),
    ("min(dau, key=dau)", "functions take no keyword arguments"),
    ("dau[0]", "subscripts are not allowed in a tariff expression"),
    ("dau @ dau", "operator MatMult is not allowed"),
    ("dau << 1", "operator LShift is not allowed"),
    ("~dau", "operator Invert is not allowed"),
    ("dau is None", "comparison Is is not allowed"),
    ("dau in plan", "comparison In is not allowed"),
    ("b'x' == plan", "literal b'x' is not allowed"),
    ("x + 1", "unknown name 'x' (known names: dau, plan, switch)"),
    ("-" * 30 + "dau", "expression is nested deeper than 24 levels"),
    ("dau + " * 80 + "dau", "expression is 483 characters long, over the limit of 400"),
    ("dau\x00", "expression does not parse: it contains a NUL character"),
]


@pytest.mark.parametrize(("text", "message"), REFUSED, ids=[text[:40] for text, _ in REFUSED])
def test_refused_at_load_with_a_clear_message(text: str, message: str) -> None:
    assert refusal(text) == message


def test_an_expression_with_too_many_parts_is_refused() -> None:
    # a flat comparison chain: depth 1, so only the node count can stop it
    with pytest.raises(ExpressionError) as caught:
        compile_expression("a<" * 130 + "a", {"a"})
    assert caught.value.message == f"expression has more than {MAX_NODES} parts"


RUNTIME_REFUSED = [
    # names bound to true/false or text never reach arithmetic: no string products, no growing ints
    ("(plan if dau else plan) * ((switch + switch) * (switch + switch))", "a value it uses is missing or of the wrong kind"),
    ("((((switch + switch) ** 8) ** 8) ** 8) ** 8", "a value it uses is missing or of the wrong kind"),
    ("(plan if dau else plan) % dau", "a value it uses is missing or of the wrong kind"),
    ("ceil(plan)", "a value it uses is missing or of the wrong kind"),
    ("-switch", "a value it uses is missing or of the wrong kind"),
    ("min(dau, switch) * 2", "a value it uses is missing or of the wrong kind"),
    ("((dau ** 8) ** 8) ** 8", "the exact result needs more than 60 significant digits; it is refused rather than rounded"),
    ("dau * 1e40 * 1e40 * 1e40 + 0.5", "the exact result needs more than 60 significant digits; it is refused rather than rounded"),
    ("dau / 0", "division by zero"),
    ("dau // 0", "division by zero"),
    ("dau % 0", "the result is undefined (such as 0 ** 0 or x % 0) or needs more than 60 digits"),
    ("dau * 1e40 // 1e-40", "the whole-number quotient needs more than 60 digits"),
]


@pytest.mark.parametrize(("text", "reason"), RUNTIME_REFUSED, ids=[t[:40] for t, _ in RUNTIME_REFUSED])
def test_type_and_size_errors_are_evaluation_errors(text: str, reason: str) -> None:
    with pytest.raises(EvaluationError) as caught:
        evaluate(text, {"dau": Decimal(10**12 - 1), "plan": "gold", "switch": True})
    assert str(caught.value).startswith(f"{text!r} cannot be computed: {reason}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ceil(dau / 3)", Decimal(333333333334)),
        ("max(0, dau - 10000) // 10000", Decimal(99999999)),
        ("dau / 4 * 0.25", Decimal("62500000000.00")),
        ("(dau / 1e12) ** 8", Decimal(1)),
        ("plan == 'gold' and dau > 0", True),
        ("dau if switch else 0", Decimal(10**12)),
        ("floor(dau / 7) * 7 + dau % 7", Decimal(10**12)),
    ],
)
def test_accepted_expressions_compute_exactly(text: str, expected: Any) -> None:
    result = evaluate(text, {"dau": Decimal(10**12), "plan": "gold", "switch": True})
    assert result == expected and type(result) is type(expected)


def test_division_is_exact_a_fraction_only_while_it_does_not_terminate() -> None:
    values = {"dau": Decimal(1), "plan": "", "switch": False}
    assert evaluate("dau / 3", values) == Fraction(1, 3)
    assert type(evaluate("dau / 3 * 3", values)) is Decimal  # 1/3 × 3 = 1 terminates again
    assert evaluate("dau / 3 * 3", values) == Decimal(1)
    assert evaluate("dau / 8", values) == Decimal("0.125")
    assert evaluate("dau / 3 * 3 == dau", values) is True


def test_a_fraction_too_long_to_keep_is_refused_quickly() -> None:
    # (1/7)^(8^3) = 7^-512 has a denominator of 433 digits, over the bound of 400: refused, never rounded.
    started = time.perf_counter()
    with pytest.raises(EvaluationError, match="fraction of more than 400 digits"):
        evaluate("(((dau / 7) ** 8) ** 8) ** 8", {"dau": Decimal(1), "plan": "", "switch": False})
    # a Decimal of a million decimals never becomes a fraction of a million digits
    with pytest.raises(EvaluationError, match="fraction of more than 400 digits"):
        evaluate("dau / 3", {"dau": Decimal("1E-999999"), "plan": "", "switch": False})
    assert time.perf_counter() - started < 1


# -- evaluation cost is bounded by construction ------------------------------------------


def _worst_cases() -> list[str]:
    """Accepted expressions doing as much work as the limits allow."""
    pow_chain = "((((dau ** 8) ** 8) ** 8) ** 8) ** 8"
    wide = " + ".join(["max(dau, ceil(dau / 7), floor(dau / 3), dau ** 8 // 9)"] * 4)
    divisions = "dau" + " / dau" * 22
    conditions = " and ".join(["(dau > 1 or dau ** 2 >= dau * dau)"] * 7)
    return [pow_chain, wide, divisions, conditions]


def _no_loops(code: Any) -> None:
    for instruction in dis.get_instructions(code):
        assert "BACKWARD" not in instruction.opname and instruction.opname not in ("FOR_ITER", "GET_ITER")
        if instruction.opcode in dis.hasjabs or instruction.opcode in dis.hasjrel:
            assert instruction.argval > instruction.offset, f"backward jump in {instruction}"


@pytest.mark.parametrize("text", _worst_cases())
def test_the_worst_accepted_expressions_are_straight_line_code(text: str) -> None:
    expression = compile_expression(text, NAMES)
    code = expression.code
    _no_loops(code)
    instructions = list(dis.get_instructions(code))
    # every instruction runs at most once; each is one Decimal operation on at most 60 digits
    assert len(instructions) <= 6 * MAX_NODES
    exact_helpers = {
        "_exact_number",
        "_add",
        "_subtract",
        "_multiply",
        "_divide",
        "_floor_divide",
        "_remainder",
        "_power",
        "_ceil",
        "_floor",
    }
    assert set(code.co_names) <= {"dau", "plan", "switch", "min", "max", "ceil", "floor", "_number"} | exact_helpers | {
        name for name in code.co_names if name.startswith("_k")
    }


@pytest.mark.parametrize("text", _worst_cases())
def test_the_worst_accepted_expressions_evaluate_many_times(text: str) -> None:
    expression = compile_expression(text, NAMES)
    inputs = [Decimal(10**12), Decimal("1.000000001"), Decimal("0.5"), Decimal(0), Decimal("999999999999.999999")]
    outcomes = set()
    with decimal.localcontext(PRICING_CONTEXT):
        for _ in range(500):
            for value in inputs:
                try:
                    result = expression.evaluate({"dau": value, "plan": "gold", "switch": True})
                except EvaluationError:
                    outcomes.add("refused")
                else:
                    assert isinstance(result, Decimal | Fraction | bool)
                    if isinstance(result, Decimal):
                        assert len(result.as_tuple().digits) <= PRICING_CONTEXT.prec
                    outcomes.add("value")
    assert outcomes


# -- the sandbox as a whole: random text and random trees --------------------------------

_ATOMS = ["a", "b", "s", "0", "1", "8", "0.5", "1e40", "10**8", "True", "None", "'x'", "''", "()", "[]", "{}", "x", "__class__", "_k0"]
_BINARY = ["+", "-", "*", "/", "//", "%", "**", "@", "<<", "&", "and", "or", "==", "<", ">=", "!=", "is", "in", "not in"]


def _tree(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(_BINARY), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["-", "+", "not ", "~"]), children).map(lambda t: f"{t[0]}{t[1]}"),
        st.tuples(st.sampled_from(["min", "max", "ceil", "floor", "abs", "len", "__import__", "a"]), st.lists(children, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        ),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        st.tuples(children, st.sampled_from([".__class__", ".real", "[0]", "(1)"])).map(lambda t: t[0] + t[1]),
        st.tuples(children, children).map(lambda t: f"[{t[0]} for a in {t[1]}]"),
        st.tuples(children).map(lambda t: f"lambda: {t[0]}"),
        st.tuples(children).map(lambda t: f"f'{{{t[0]}}}'"),
    )


def _valid_tree(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    arithmetic = st.sampled_from(["+", "-", "*", "/", "//", "%", "==", "<", ">=", "!=", "and", "or"])
    return st.one_of(
        st.tuples(children, arithmetic, children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(children, st.integers(0, 8)).map(lambda t: f"({t[0]}) ** {t[1]}"),
        st.tuples(st.sampled_from(["-", "+", "not "]), children).map(lambda t: f"{t[0]}{t[1]}"),
        st.tuples(st.sampled_from(["min", "max"]), st.lists(children, min_size=2, max_size=4)).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
        st.tuples(st.sampled_from(["ceil", "floor"]), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
    )


_VALID_ATOMS = ["a", "b", "s", "0", "1", "3", "0.5", "1e40", "1e-40", "999999999999", "True", "False"]
EXPRESSION_TREES = st.recursive(st.sampled_from(_ATOMS), _tree, max_leaves=25)
VALID_TREES = st.recursive(st.sampled_from(_VALID_ATOMS), _valid_tree, max_leaves=20)
EXPRESSION_TEXT = st.text(alphabet="ab s01289.eE+-*/%()<>=!,'\"[]{}:_ifelsnotandr\\\x00\t\n", max_size=40)
VALUES = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(lambda d: len(str(d)) <= 100),
    st.integers(min_value=-(10**12), max_value=10**12).map(Decimal),
    st.booleans(),
)


def _sandboxed(text: str, a: Any, b: Any, s: Any) -> None:
    try:
        expression = compile_expression(text, {"a", "b", "s"})
    except ExpressionError:
        return
    _no_loops(expression.code)
    try:
        result = evaluate(text, {"a": a, "b": b, "s": s}, frozenset({"a", "b", "s"}))
    except EvaluationError:
        return
    assert isinstance(result, Decimal | Fraction | bool)
    if isinstance(result, Fraction):  # an exact quotient stays a fraction only while it does not terminate
        denominator = result.denominator
        for prime in (2, 5):
            while denominator % prime == 0:
                denominator //= prime
        assert denominator != 1, result


@given(EXPRESSION_TREES, VALUES, VALUES, VALUES)
def test_random_expression_trees_compile_and_evaluate_or_fail_cleanly(text: str, a: Any, b: Any, s: Any) -> None:
    _sandboxed(text, a, b, s)


@given(EXPRESSION_TEXT, VALUES, VALUES, VALUES)
def test_random_expression_text_compiles_and_evaluates_or_fails_cleanly(text: str, a: Any, b: Any, s: Any) -> None:
    _sandboxed(text, a, b, s)


@given(VALID_TREES, VALUES, VALUES, VALUES)
def test_random_well_formed_expressions_compile_and_evaluate_or_fail_cleanly(text: str, a: Any, b: Any, s: Any) -> None:
    _sandboxed(text, a, b, s)
