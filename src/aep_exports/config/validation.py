"""Turn pydantic validation errors into located, teaching one-line problems."""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from aep_exports.config.problems import NodePath, Problem, did_you_mean, format_path, short_repr
from aep_exports.config.yaml_loader import YamlDocument

_TYPE_NAMES = {
    "string_type": "a string",
    "int_type": "an integer",
    "bool_type": "true or false",
    "float_type": "a number",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "tuple_type": "a list",
    "int_parsing": "an integer",
    "bool_parsing": "true or false",
    "float_parsing": "a number",
}


def validate_document(
    model: type[BaseModel], document: YamlDocument, data: Any, base: NodePath = ()
) -> tuple[BaseModel | None, list[Problem]]:
    """Validate ``data`` (found at ``base`` in ``document``) as ``model``; problems, never exceptions."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        errors = _drop_missing_explained_by_typos(model, exc.errors())
        return None, [to_problem(model, document, base, error) for error in errors]


def _drop_missing_explained_by_typos(
    model: type[BaseModel], errors: list[ErrorDetails]
) -> list[ErrorDetails]:
    """``schedul:`` gives "unknown key (did you mean 'schedule'?)"; "'schedule' is missing" adds nothing."""
    suggested: set[tuple[Any, ...]] = set()
    for error in errors:
        loc = error["loc"]
        if error["type"] == "extra_forbidden" and loc:
            allowed = allowed_keys(model, tuple(loc[:-1])) or []
            for match in difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6):
                suggested.add((*loc[:-1], match))
            lowered = {key.lower(): key for key in allowed}
            if str(loc[-1]).lower() in lowered:
                suggested.add((*loc[:-1], lowered[str(loc[-1]).lower()]))
    return [
        error for error in errors if not (error["type"] == "missing" and tuple(error["loc"]) in suggested)
    ]


def to_problem(
    model: type[BaseModel], document: YamlDocument, base: NodePath, error: ErrorDetails
) -> Problem:
    """One pydantic error → ``file:line:col: path: message``."""
    loc: NodePath = tuple(part for part in error["loc"] if not _is_internal(part))
    kind = error["type"]
    context = error.get("ctx") or {}
    at = context.get("at")
    if isinstance(at, str):
        loc = (*loc, *(int(p) if p.isdigit() else p for p in at.split(".")))
    if loc and loc[-1] == "[key]":
        loc = loc[:-1]
        return document.problem((*base, *loc), _message(kind, error, model, loc), of_key=True)
    path = (*base, *loc)
    message = _message(kind, error, model, loc)
    if kind == "missing":  # point at the mapping that lacks the key, by its own key
        line, column = document.position(path[:-1], of_key=True)
        return Problem(document.file, line, column, format_path(path), message)
    return document.problem(path, message, of_key=kind == "extra_forbidden")


_INTERNAL = re.compile(r"^(?:function-\w+|list|tuple|dict|union|nullable|literal|str|int|bool)\[")


def _is_internal(part: Any) -> bool:
    # Validator and union-member names such as 'function-after[...]' are not user paths.
    return isinstance(part, str) and _INTERNAL.match(part) is not None


def _message(kind: str, error: ErrorDetails, model: type[BaseModel], loc: NodePath) -> str:
    value = error.get("input")
    if kind == "extra_forbidden":
        allowed = allowed_keys(model, loc[:-1])
        name = str(loc[-1]) if loc else "?"
        suggestion = did_you_mean(name, allowed or [])
        listing = f"; allowed: {', '.join(allowed)}" if allowed and not suggestion else ""
        return f"unknown key {short_repr(name)}{suggestion}{listing}"
    if kind == "missing":
        return f"required key '{loc[-1] if loc else '?'}' is missing"
    if kind == "literal_error":
        choices = re.findall(r"'((?:[^'\\]|\\.)*)'", str((error.get("ctx") or {}).get("expected", "")))
        if not choices:
            choices = re.findall(r"\b(True|False)\b", str((error.get("ctx") or {}).get("expected", "")))
        if len(choices) == 1:
            return f"must be '{choices[0]}', got {short_repr(value)}"
        hint = did_you_mean(value, choices) if isinstance(value, str) else ""
        return f"{short_repr(value)} is not one of {', '.join(choices)}{hint}"
    if kind in _TYPE_NAMES:
        return f"expected {_TYPE_NAMES[kind]}, got {short_repr(value)}"
    if kind == "string_too_short":
        return "must not be empty"
    bound = _BOUNDS.get(kind)
    if bound is not None:
        limit = (error.get("ctx") or {}).get(bound[1])
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return f"must be {bound[0]} {limit}, got {short_repr(value)}"
    return _lower_first(error["msg"].removeprefix("Value error, "))


_BOUNDS = {
    "greater_than_equal": ("at least", "ge"),
    "greater_than": ("more than", "gt"),
    "less_than_equal": ("at most", "le"),
    "less_than": ("less than", "lt"),
    "string_too_long": ("at most this many characters:", "max_length"),
    "too_long": ("at most this many items:", "max_length"),
    "too_short": ("at least this many items:", "min_length"),
}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:1].isupper() and not text[1:2].isupper() else text


def allowed_keys(model: type[BaseModel], loc: NodePath) -> list[str] | None:
    """The keys the mapping at ``loc`` (under ``model``) accepts, by following field annotations."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = _field_by_alias(current, str(part))
            if field is None:
                return None
            current = field
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        elif get_origin(current) in (list, tuple):
            current = get_args(current)[0]
        else:
            return None
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [info.alias or name for name, info in current.model_fields.items()]
    return None


def _field_by_alias(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.annotation
    return None


def _unwrap(annotation: Any) -> Any:
    """Strip Optional/Annotated layers down to the model or container type."""
    for _ in range(10):
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            options = [arg for arg in get_args(annotation) if arg is not type(None)]
            annotation = options[0] if len(options) == 1 else annotation
            if len(options) != 1:
                return annotation
        else:
            return annotation
    return annotation
