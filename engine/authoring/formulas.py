"""Formulas as text: whether a step is a number, whether an expression needs brackets, values put in.

Each charge model writes its own formula and steps (`Charge.explain`, in
`engine.language.charges`); these helpers are what the explanation does with them.
"""

from __future__ import annotations

import ast
import decimal
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from engine.language.expressions import FUNCTIONS

if TYPE_CHECKING:
    pass

# -- text helpers ------------------------------------------------------------------------------


def is_number(words: str) -> bool:
    try:
        Decimal(words)
    except decimal.InvalidOperation:
        return False
    return True


def atomic(expression: str) -> bool:
    """A name, a number or a call: needs no brackets inside a larger formula."""
    try:
        body = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError:
        return False
    return isinstance(body, ast.Name | ast.Constant | ast.Call)


def put_values(expression: str, values: Mapping[str, str]) -> str:
    """Replace each declared name (not a function name) by its value, using the parser's positions."""
    flat = " ".join(expression.split())
    names = [
        node
        for node in ast.walk(ast.parse(flat, mode="eval"))
        if isinstance(node, ast.Name) and node.id in values and node.id not in FUNCTIONS
    ]
    for node in sorted(names, key=lambda n: n.col_offset, reverse=True):
        flat = flat[: node.col_offset] + values[node.id] + flat[node.end_col_offset or node.col_offset :]
    return flat
