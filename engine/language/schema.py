"""JSON Schema validation of a tariff document, reported as located diagnostics.

The validator is built once per process (building it checks the meta-schema, the
expensive part); every error is turned into one message that says where, what is
wrong and, from the schema's own descriptions, what would be right.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

from engine.core.errors import Diagnostic, did_you_mean
from engine.core.resources import schema
from engine.core.values import kind as _kind_of
from engine.core.values import shown as _show
from engine.language.source import Source, json_path

_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "null": "null",
}


# Schema errors that break a rule with its own id (the compiler's ids for the same kind of problem).
_RULES = {("minItems", "table"): "option-table"}


@cache
def _validator(name: str = "tariff") -> Any:
    import jsonschema  # imported lazily: only loading an unchecked document needs it

    document = schema(name)
    jsonschema.Draft7Validator.check_schema(document)
    return jsonschema.Draft7Validator(document)


@cache
def _compiled_check(name: str) -> Callable[[Any], bool] | None:
    """A yes/no check of a document against the schema, compiled (jsonschema_rs): 0.01 ms/KB against the
    Python validator's 0.8 on a generated 50 KB tariff, which then only runs to word what is wrong. One difference is removed: it
    counts a whole Decimal (`2.0`) as an integer, where the Python validator and the compiler do not."""
    try:
        import jsonschema_rs

        document = _whole_numbers_only(schema(name))
        validator = jsonschema_rs.Draft7Validator(document, validate_formats=False, keywords={_WHOLE: _WholeNumber})
    except (ImportError, TypeError):  # not installed, or a version without custom keywords: the Python validator alone
        return None

    def accepts(document: Any) -> bool:
        try:
            return bool(validator.is_valid(document))
        except (ValueError, TypeError, OverflowError, RecursionError):  # a value it cannot carry: the Python validator decides
            return False

    return accepts


_WHOLE = "x-whole-number"  # added wherever the schema allows an integer but not any number
_NOT_SCHEMAS = frozenset(("examples", "enum", "const", "default", "description", "title"))
_NAMED_SCHEMAS = frozenset(("properties", "definitions", "patternProperties"))  # name → schema


def _whole_numbers_only(node: Any) -> Any:
    if isinstance(node, list):
        return [_whole_numbers_only(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _NAMED_SCHEMAS and isinstance(value, dict):
            out[key] = {name: _whole_numbers_only(item) for name, item in value.items()}
        else:
            out[key] = value if key in _NOT_SCHEMAS else _whole_numbers_only(value)
    kinds = node.get("type")
    kinds = [kinds] if isinstance(kinds, str) else kinds if isinstance(kinds, list) else []
    if "integer" in kinds and "number" not in kinds:
        out[_WHOLE] = True
    return out


class _WholeNumber:
    """The `x-whole-number` keyword: a number must be a Python int, as `_is_kind("integer")` says."""

    def __init__(self, parent_schema: Any, value: Any, schema_path: Any) -> None:
        pass

    def validate(self, instance: Any) -> None:
        if isinstance(instance, Decimal | float):  # float-ok: a binary float is refused here, never priced
            raise ValueError(f"{instance} is not an integer")


def check_tariff(source: Source) -> list[Diagnostic]:
    """Every schema problem of a tariff document, in document order."""
    return check_document(source, "tariff")


def check_document(source: Source, schema_name: str) -> list[Diagnostic]:
    """Every problem of the document against a shipped schema (`tariff`, `scenarios`, ...), in document order."""
    accepts = _compiled_check(schema_name)
    if accepts is not None and accepts(source.data):
        return []  # the compiled check is never laxer (tests/test_schema_check.py); a refusal is worded below
    found = [_to_diagnostic(source, error) for raw in _validator(schema_name).iter_errors(source.data) for error in _leaves(raw)]
    unique: dict[tuple[int | None, int | None, str], Diagnostic] = {}
    for diagnostic in found:  # the first of equal messages is the most general one (its hint fits)
        unique.setdefault((diagnostic.line, diagnostic.column, diagnostic.message), diagnostic)
    return sorted(unique.values(), key=lambda d: (d.line or 0, d.column or 0, d.message))


def _leaves(error: Any) -> Iterator[Any]:
    """For oneOf/anyOf, the errors of the branch meant for this kind of value."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        branches = error.validator_value
        for index, branch in enumerate(branches):
            if _type_matches(branch.get("type"), error.instance):
                for sub in error.context:
                    if sub.relative_schema_path and sub.relative_schema_path[0] == index:
                        yield from _leaves(sub)
                return
    yield error


def _type_matches(expected: Any, value: Any) -> bool:
    kinds = expected if isinstance(expected, list) else [expected]
    return any(_is_kind(kind, value) for kind in kinds if kind)


def _is_kind(kind: str, value: Any) -> bool:
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | Decimal) and not isinstance(v, bool),
        "null": lambda v: v is None,
    }
    return bool(checks.get(kind, lambda v: False)(value))


def _to_diagnostic(source: Source, error: Any) -> Diagnostic:
    path: Sequence[str | int] = list(error.absolute_path)
    message, hint, key_path = _describe(error)
    if key_path is not None:
        where = json_path(key_path)
        line, column = source.position(key_path, key=True)
    else:
        where = json_path(path)
        line, column = source.position(path)
    last = path[-1] if path else None
    return Diagnostic(
        message=f"{where}: {message}" if where else message,
        rule=_RULES.get((error.validator, str(last)), "schema"),
        file=source.name,
        line=line,
        column=column,
        path=where or None,
        hint=hint,
    )


def _first_sentence(text: str | None) -> str | None:
    if not text:
        return None
    return text.split(". ")[0].rstrip(".")


def _describe(error: Any) -> tuple[str, str | None, list[str | int] | None]:
    """(message, hint, path of an offending key when the key itself is wrong)."""
    kind = error.validator
    value = error.instance
    hint = _first_sentence(error.schema.get("description")) if isinstance(error.schema, dict) else None
    hint = hint or None
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"missing required key '{missing}'", _property_hint(error, missing), None
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extras = [k for k in value if k not in allowed] if isinstance(value, dict) else []
        extra = str(extras[0]) if extras else "?"
        suggestion = did_you_mean(extra, allowed)
        listed = ", ".join(allowed) if allowed else "none"
        return (
            f"unknown key '{extra}' (allowed: {listed})",
            suggestion,
            [*error.absolute_path, extra],
        )
    if kind == "not" and value == "rounding":
        return "'rounding' is reserved for the rounding adjustment line; name the charge otherwise", None, None
    if kind == "propertyNames":
        return f"name {value!r} is not allowed: use lower-case letters, digits and '_'", None, None
    if kind == "enum":
        options = [str(o) for o in error.validator_value]
        return (
            f"{_show(value)} is not one of: {', '.join(options)}",
            did_you_mean(str(value), options) or hint,
            None,
        )
    if kind == "const":
        return f"{_show(value)} must be {_show(error.validator_value)}", hint, None
    if kind == "type":
        expected = error.validator_value
        kinds = expected if isinstance(expected, list) else [expected]
        words = " or ".join(_TYPE_WORDS.get(str(k), str(k)) for k in kinds)
        shown = _show(value) if value is not None else ""
        return f"expected {words}, got {_kind_of(value)}{' ' + shown if shown else ''}", hint, None
    if kind == "pattern":
        return f"{_show(value)} does not have the expected form", hint, None
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        words = {
            "minimum": "less than the minimum of",
            "exclusiveMinimum": "not greater than",
            "maximum": "more than the maximum of",
            "exclusiveMaximum": "not less than",
        }[kind]
        return f"{_show(value)} is {words} {error.validator_value}", hint, None
    if kind == "minItems" and error.absolute_path and error.absolute_path[-1] == "table":
        return "offers no value: an option table lists at least one {value, price}", hint, None
    if kind in ("minItems", "minProperties"):
        return "must not be empty", hint, None
    if kind == "uniqueItems":
        return "lists the same name twice", hint, None
    if kind == "maxLength":
        return f"is longer than {error.validator_value} characters", hint, None
    return error.message, hint, None


def _property_hint(error: Any, name: str) -> str | None:
    properties = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
    return _first_sentence(properties.get(name, {}).get("description"))
