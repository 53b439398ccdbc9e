"""Tariff expressions: simpleeval's parser, a whitelist, then a compiled code object.

An expression is parsed once at load time with simpleeval's parser and walked
against a whitelist that is a strict subset of simpleeval's safe operators:
arithmetic, comparisons, `and`/`or`/`not`, `x if c else y`, the declared names
and the functions `min`, `max`, `ceil`, `floor`. No attribute access, subscripts,
lambdas, comprehensions, f-strings or calls of anything else; text (and None) only
as the operand of a comparison (`plan == 'gold'`). Number literals are lifted out of
the tree and bound as `Decimal` built from their source text (simpleeval would read
`0.1` as binary floating point). Only after that check is the tree compiled into a code object, so
the whitelist is the sandbox; evaluation runs with empty builtins.

Cost is bounded by construction: at most MAX_NODES nodes, no loops, calls only of
four functions of at most 8 arguments, and every arithmetic operand is forced to be
a `Decimal` (a name bound to true/false or text fails instead of multiplying a string
or growing a Python int), so each operation is one Decimal operation on numbers of at
most 60 significant digits (larger results are refused by the pricing context).
"""

from __future__ import annotations

import ast
import decimal
import warnings
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from types import CodeType
from typing import Any

from simpleeval import DEFAULT_OPERATORS, SimpleEval

from engine.core import exact, money
from engine.core.records import dataclass, field

MAX_LENGTH = 400
MAX_NODES = 120
MAX_DEPTH = 24
MAX_POWER = 8
MAX_STRING = 100
MAX_LITERAL_DIGITS = 40  # significant digits of a number literal, and its magnitude: below 1e41

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "min": min,
    "max": max,
    "ceil": money.ceil,
    "floor": money.floor,
}

_BINARY = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
_UNARY = (ast.USub, ast.UAdd, ast.Not)
_COMPARE = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)
# The whitelist stays inside simpleeval's own safe operator set.
assert all(op in DEFAULT_OPERATORS for op in _BINARY + _UNARY + _COMPARE)

_NODE_WORDS = {
    ast.Attribute: "attribute access is",
    ast.Subscript: "subscripts are",
    ast.Lambda: "lambda is",
    ast.ListComp: "comprehensions are",
    ast.SetComp: "comprehensions are",
    ast.DictComp: "comprehensions are",
    ast.GeneratorExp: "comprehensions are",
    ast.JoinedStr: "f-strings are",
    ast.NamedExpr: "assignment expressions are",
    ast.List: "lists are",
    ast.Tuple: "tuples are",
    ast.Dict: "dictionaries are",
    ast.Set: "sets are",
    ast.Starred: "star arguments are",
    ast.Await: "await is",
}


class ExpressionError(Exception):
    """A rejected expression; `offset` is the 0-based column inside its text."""

    def __init__(self, message: str, offset: int = 0, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.hint = hint


class EvaluationError(Exception):
    """An expression failed on the values of one usage document."""


@dataclass(frozen=True, slots=True)
class Expression:
    """A checked, compiled expression and the declared names it reads."""

    text: str
    names: frozenset[str]
    code: CodeType = field(repr=False, compare=False)
    globals: dict[str, Any] = field(repr=False, compare=False)

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        try:
            # The namespace is only read: the whitelist admits no assignment.
            return eval(self.code, self.globals, values)  # noqa: S307 - whitelisted tree, empty builtins
        except (ArithmeticError, InvalidOperation, TypeError, ValueError) as error:
            raise EvaluationError(f"{self.text!r} cannot be computed: {_describe(error)}") from None


def _describe(error: Exception) -> str:
    if isinstance(error, ArithmeticError):
        return money.describe_signal(error)
    if isinstance(error, TypeError):
        return "a value it uses is missing or of the wrong kind (arithmetic and ordering need numbers)"
    return type(error).__name__


def constant(value: Decimal | bool) -> Expression:
    """An expression that is a plain number in the YAML (no parsing needed)."""
    return compile_expression(str(value) if not isinstance(value, bool) else repr(value), frozenset())


def folded(expression: Expression) -> Decimal | None:
    """The value of an expression that names nothing, computed once; None when it is not a plain number."""
    if expression.names:
        return None
    try:
        with decimal.localcontext(money.PRICING_CONTEXT):
            value = expression.evaluate({})
    except (EvaluationError, decimal.DecimalException):
        return None
    return value if type(value) is Decimal else None


def compile_expression(text: str, allowed: frozenset[str] | set[str]) -> Expression:
    """Parse, check against the whitelist and compile; raises `ExpressionError`."""
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    if not stripped:
        raise ExpressionError("expression is empty")
    if len(stripped) > MAX_LENGTH:
        raise ExpressionError(f"expression is {len(stripped)} characters long, over the limit of {MAX_LENGTH}")
    if "\x00" in stripped:  # Python refuses NUL in source, as ValueError or SyntaxError depending on the version
        raise ExpressionError("expression does not parse: it contains a NUL character", lead + stripped.index("\x00"))
    tree = _parse(stripped, lead)
    checker = _Checker(stripped, frozenset(allowed), lead)
    checker.visit_root(tree)
    lowering = _Lower(stripped, exact=_divides(tree))
    lowered = lowering.visit(tree)
    body = ast.fix_missing_locations(ast.Expression(body=lowered))
    code = compile(body, "<tariff expression>", "eval")
    namespace: dict[str, Any] = {"__builtins__": {}, **FUNCTIONS, **_HELPERS, **lowering.literals}
    return Expression(text=stripped, names=frozenset(checker.names), code=code, globals=namespace)


def _parse(text: str, lead: int) -> ast.expr:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            statement = SimpleEval.parse(text)
    except SyntaxError as error:
        offset = (error.offset or 1) - 1 + lead
        raise ExpressionError(f"expression does not parse: {error.msg}", offset) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"expression is nested deeper than {MAX_DEPTH} levels", lead) from None
    except Warning:
        raise ExpressionError("only one expression is allowed", lead) from None
    if not isinstance(statement, ast.Expr):
        raise ExpressionError("only an expression is allowed, not a statement", lead)
    return statement.value


class _Checker:
    def __init__(self, text: str, allowed: frozenset[str], lead: int) -> None:
        self.text = text
        self.allowed = allowed
        self.lead = lead
        self.names: set[str] = set()
        self.count = 0

    def fail(self, node: ast.AST, message: str, hint: str | None = None) -> ExpressionError:
        return ExpressionError(message, getattr(node, "col_offset", 0) + self.lead, hint)

    def visit_root(self, node: ast.expr) -> None:
        self.visit(node, 0)

    def visit(self, node: ast.AST, depth: int) -> None:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(node, f"expression has more than {MAX_NODES} parts")
        if depth > MAX_DEPTH:
            raise self.fail(node, f"expression is nested deeper than {MAX_DEPTH} levels")
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            word = _NODE_WORDS.get(type(node), f"{type(node).__name__} is")
            raise self.fail(node, f"{word} not allowed in a tariff expression", _ALLOWED_HINT)
        method(node, depth + 1)

    def visit_BinOp(self, node: ast.BinOp, depth: int) -> None:
        if not isinstance(node.op, _BINARY):
            raise self.fail(node, f"operator {type(node.op).__name__} is not allowed", _ALLOWED_HINT)
        if isinstance(node.op, ast.Pow):
            exponent = node.right
            if not (isinstance(exponent, ast.Constant) and type(exponent.value) is int and 0 <= exponent.value <= MAX_POWER):
                raise self.fail(node, f"a power needs a whole-number literal exponent from 0 to {MAX_POWER}")
        for side in (node.left, node.right):
            if isinstance(side, ast.Constant) and isinstance(side.value, str):
                raise self.fail(side, "text cannot take part in arithmetic")
            if isinstance(side, ast.Constant) and (side.value is None or isinstance(side.value, bool)):
                raise self.fail(side, f"{side.value} cannot take part in arithmetic")
            self.no_condition(side)
        self.visit(node.left, depth)
        self.visit(node.right, depth)

    def visit_UnaryOp(self, node: ast.UnaryOp, depth: int) -> None:
        if not isinstance(node.op, _UNARY):
            raise self.fail(node, f"operator {type(node.op).__name__} is not allowed", _ALLOWED_HINT)
        if not isinstance(node.op, ast.Not):
            self.no_condition(node.operand)
        self.visit(node.operand, depth)

    def no_condition(self, operand: ast.expr) -> None:
        """A comparison or `not` gives true/false, which arithmetic refuses: say so at load time."""
        if isinstance(operand, ast.Compare) or (isinstance(operand, ast.UnaryOp) and isinstance(operand.op, ast.Not)):
            raise self.fail(operand, "a condition (true or false) cannot take part in arithmetic", "write (x if condition else 0)")

    def visit_BoolOp(self, node: ast.BoolOp, depth: int) -> None:
        for value in node.values:
            self.visit(value, depth)

    def visit_Compare(self, node: ast.Compare, depth: int) -> None:
        for op in node.ops:
            if not isinstance(op, _COMPARE):
                raise self.fail(node, f"comparison {type(op).__name__} is not allowed", _ALLOWED_HINT)
        for operand in (node.left, *node.comparators):
            if isinstance(operand, ast.Constant) and (operand.value is None or isinstance(operand.value, str)):
                self.count += 1
                self.text_literal(operand)
            else:
                self.visit(operand, depth)

    def text_literal(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and len(node.value) > MAX_STRING:
            raise self.fail(node, f"text literal longer than {MAX_STRING} characters")

    def visit_IfExp(self, node: ast.IfExp, depth: int) -> None:
        for part in (node.test, node.body, node.orelse):
            self.visit(part, depth)

    def visit_Call(self, node: ast.Call, depth: int) -> None:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            shown = ast.get_source_segment(self.text, node.func) or "this"
            raise self.fail(node, f"calling {shown} is not allowed (functions: {', '.join(FUNCTIONS)})")
        if node.keywords:
            raise self.fail(node, "functions take no keyword arguments")
        if node.func.id in ("min", "max") and not 2 <= len(node.args) <= 8:
            raise self.fail(node, f"{node.func.id}() takes from 2 to 8 arguments")
        if node.func.id in ("ceil", "floor") and len(node.args) != 1:
            raise self.fail(node, f"{node.func.id}() takes exactly one argument")
        if node.func.id in ("ceil", "floor"):
            self.no_condition(node.args[0])
        for arg in node.args:
            self.visit(arg, depth)

    def visit_Name(self, node: ast.Name, depth: int) -> None:
        name = node.id
        if name.startswith("_"):
            raise self.fail(node, f"name '{name}' is not allowed (names starting with '_' are reserved)")
        if name in FUNCTIONS:
            raise self.fail(node, f"'{name}' is a function: call it, as {name}(...)")
        if name not in self.allowed:
            from engine.core.errors import did_you_mean

            hint = did_you_mean(name, self.allowed)
            known = ", ".join(sorted(self.allowed)) or "none"
            raise ExpressionError(f"unknown name '{name}' (known names: {known})", node.col_offset + self.lead, hint)
        self.names.add(name)

    def visit_Constant(self, node: ast.Constant, depth: int) -> None:
        value = node.value
        if isinstance(value, str) or value is None:
            shown = "text" if isinstance(value, str) else "None"
            raise self.fail(node, f"{shown} is only allowed in a comparison, as in plan == 'gold'")
        if type(value) is bool:
            return
        if type(value) in (int, float):  # float-ok: a literal, rebuilt exactly from its source text
            number = literal_value(self.text, node)
            digits = len(number.as_tuple().digits)
            if digits > MAX_LITERAL_DIGITS or abs(number.adjusted()) > MAX_LITERAL_DIGITS:
                shown = ast.get_source_segment(self.text, node) or str(number)
                limits = f"at most {MAX_LITERAL_DIGITS} digits, below 1e{MAX_LITERAL_DIGITS + 1}"
                shown = shown if len(shown) <= 50 else shown[:47] + "..."
                raise self.fail(node, f"number literal {shown} is out of range ({limits})")
            return
        raise self.fail(node, f"literal {value!r} is not allowed")


_ALLOWED_HINT = "expressions may use + - * / // % **, comparisons, and/or/not, 'x if c else y', declared names and min, max, ceil, floor"


def literal_value(text: str, node: ast.Constant) -> Decimal:
    """The exact Decimal a number literal is written as (never through binary floating point)."""
    if type(node.value) is int:
        return Decimal(node.value)
    segment = ast.get_source_segment(text, node) or repr(node.value)
    return Decimal(segment.replace("_", ""))


def _call(name: str, args: list[ast.expr], where: ast.AST) -> ast.Call:
    return ast.copy_location(ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=args, keywords=[]), where)


def _divides(tree: ast.expr) -> bool:
    """Whether the expression divides: only then can a value be a Fraction (see `_Lower`)."""
    return any(isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) for node in ast.walk(tree))


# Bound in every expression's namespace; their names start with '_', which tariffs cannot use.
_HELPERS: dict[str, Callable[..., Any]] = {
    "_number": Decimal.__copy__,  # a C-level type check: returns a Decimal unchanged, TypeError otherwise
    "_exact_number": exact.number,  # a Decimal or a Fraction unchanged, TypeError otherwise
    "_ceil": exact.ceil,
    "_floor": exact.floor,
}
_EXACT_OPERATORS: dict[type[ast.operator], str] = {
    ast.Add: "_add",
    ast.Sub: "_subtract",
    ast.Mult: "_multiply",
    ast.Div: "_divide",
    ast.FloorDiv: "_floor_divide",
    ast.Mod: "_remainder",
    ast.Pow: "_power",
}
_HELPERS |= {
    "_add": exact.add,
    "_subtract": exact.subtract,
    "_multiply": exact.multiply,
    "_divide": exact.divide,
    "_floor_divide": exact.floor_divide,
    "_remainder": exact.remainder,
    "_power": exact.power,
}


class _Lower(ast.NodeTransformer):
    """Number literals become names bound to exact Decimals; arithmetic becomes Decimal-only.

    An operand not known to be a number (a declared name, a condition, min/max of such) is
    wrapped in a type check. An expression without `/` computes with Decimal operators in
    the pinned context, as fast as Python goes (`_number(...)` checks an operand). In one
    that divides, a quotient that does not terminate is a Fraction (`engine.core.exact`),
    so every operation there goes through the exact helpers (`_divide(a, b)`, `_add(a, b)`...)
    and `ceil`/`floor` take Fractions too: nothing is rounded but what the tariff declares.
    Comparisons of Decimals with Fractions are exact in Python already.
    """

    def __init__(self, text: str, *, exact: bool = False) -> None:
        self.text = text
        self.exact = exact
        self.check = "_exact_number" if exact else "_number"
        self.literals: dict[str, Decimal] = {}
        self.numeric: set[int] = set()  # id() of lowered nodes known to give a Decimal

    def number(self, node: ast.expr) -> ast.expr:
        self.numeric.add(id(node))
        return node

    def operand(self, node: ast.expr) -> ast.expr:
        return node if id(node) in self.numeric else _call(self.check, [node], node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if type(node.value) in (int, float):  # float-ok: a literal, replaced by its exact Decimal
            name = f"_k{len(self.literals)}"
            self.literals[name] = literal_value(self.text, node)
            return self.number(ast.copy_location(ast.Name(id=name, ctx=ast.Load()), node))
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        left, right = self.operand(node.left), self.operand(node.right)
        if self.exact:
            return self.number(_call(_EXACT_OPERATORS[type(node.op)], [left, right], node))
        node.left, node.right = left, right
        return self.number(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return node
        node.operand = self.operand(node.operand)
        return self.number(node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        assert isinstance(node.func, ast.Name)  # the checker admits calls of the listed functions only
        if node.func.id in ("ceil", "floor"):
            node.args = [self.operand(arg) for arg in node.args]
            if self.exact:
                node.func = ast.copy_location(ast.Name(id=f"_{node.func.id}", ctx=ast.Load()), node.func)
            return self.number(node)
        return self.number(node) if all(id(arg) in self.numeric for arg in node.args) else node

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        self.generic_visit(node)
        return self.number(node) if id(node.body) in self.numeric and id(node.orelse) in self.numeric else node
