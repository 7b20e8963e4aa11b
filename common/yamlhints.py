"""pydantic validation errors -> `ConfigIssue`s an operator can act on: the key or value's line
and column (through the `Marks` of `common.yamlconf`), in the YAML's words (dotted paths, not
pydantic's loc tuples), with a fix: did-you-mean for unknown keys and choices, bounds, types."""

from __future__ import annotations

import enum
import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from common.configissues import ConfigIssue, Marks, PathKey, did_you_mean, issue


def schema_issue(file: str, data: Any, marks: Marks, model: type[BaseModel],
                  err: ErrorDetails) -> ConfigIssue:
    path = _data_path(data, err["loc"])
    node = marks.get(path, marks[()])
    value = err.get("input")
    if err["type"] == "extra_forbidden":
        allowed = _field_names(_model_at(model, path[:-1]))
        return issue(file, node.key, f"unknown key {path[-1]!r}{_in(path[:-1])}",
                      _key_hint(str(path[-1]), allowed))
    if err["type"] == "missing":
        name = err["loc"][-1]
        parent = path[:-1] if path and path[-1] == name else path
        where = marks.get(parent, marks[()])
        return issue(file, where.key if parent else where.value,
                      f"missing required key {name!r}{_in(parent)}",
                      f"add '{name}: <value>'" + (f" under '{_dotted(parent)}'" if parent else ""))
    if err["type"] == "invalid_key":
        return issue(file, node.key, f"key {_show(value)}{_in(path[:-1])} is not text",
                      "use a word as the key, or quote it")
    # An empty value's mark is the next token, often on the next line: point at its key instead.
    where = node.key if path and (value is None or isinstance(value, (dict, list))) else node.value
    return issue(file, where, f"{_dotted(path) or 'document'}: {err['msg']} (got {_show(value)})",
                  _value_hint(err, value, _choices_at(model, path)))


def _data_path(data: Any, loc: tuple[int | str, ...]) -> PathKey:
    """Follow ``loc`` through the data, dropping the union/validator tags pydantic inserts."""
    path: list[Any] = []
    for i, part in enumerate(loc):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        elif not (i == len(loc) - 1 and isinstance(data, dict)):  # keep a missing key's name
            continue
        path.append(part)
    return tuple(path)


def _model_at(model: Any, path: PathKey) -> Any:
    """The annotation that governs ``path`` (a model class, a Literal, an Enum...), or None."""
    ann = _unwrap(model)
    for part in path:
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            fields = ann.model_fields.items()
            ann = next((f.annotation for n, f in fields if part in (n, f.alias)), None)
        elif typing.get_origin(ann) in (list, tuple, set, frozenset, dict) and typing.get_args(ann):
            ann = typing.get_args(ann)[-1]
        else:
            return None
        ann = _unwrap(ann)
    return ann


def _unwrap(ann: Any) -> Any:
    """Peel Annotated and Optional to reach the class or Literal beneath."""
    while True:
        origin = typing.get_origin(ann)
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        optional = origin in (typing.Union, types.UnionType) and len(args) == 1
        if origin is not typing.Annotated and not optional:
            return ann
        ann = args[0]


def _field_names(ann: Any) -> list[str]:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return [field.alias or name for name, field in ann.model_fields.items()]
    return []


def _choices_at(model: type[BaseModel], path: PathKey) -> list[str]:
    ann = _model_at(model, path)
    if typing.get_origin(ann) is typing.Literal:
        return [str(a) for a in typing.get_args(ann)]
    if isinstance(ann, type) and issubclass(ann, enum.Enum):
        return [str(m.value) for m in ann]
    return []


def _key_hint(key: str, allowed: list[str]) -> str:
    guess = did_you_mean(key, allowed)
    if guess:
        return f"did you mean {guess!r}?"
    return f"remove it; allowed keys: {', '.join(allowed)}" if allowed else "remove it"


_HINTS = {
    **dict.fromkeys(["int_parsing", "int_type"], "use a whole number such as 10"),
    "int_from_float": "use a whole number without a fraction",
    **dict.fromkeys(["float_parsing", "float_type"], "use a number such as 5.0"),
    **dict.fromkeys(["bool_parsing", "bool_type"], "use true or false"),
    "string_type": "use text; quote it if it looks like a number or boolean",
    **dict.fromkeys(["model_type", "model_attributes_type", "dict_type"],
                    "use a mapping of 'key: value' lines indented under it"),
    "list_type": "use a list of '- item' lines",
    "string_too_short": "give a non-empty value",
}
_BOUNDS = {"greater_than": "above {gt}", "greater_than_equal": "at least {ge}",
           "less_than": "below {lt}", "less_than_equal": "at most {le}"}


def _value_hint(err: ErrorDetails, value: Any, choices: list[str]) -> str:
    if choices:
        guess, allowed = did_you_mean(str(value), choices), f"allowed: {', '.join(choices)}"
        return f"did you mean {guess!r}? {allowed}" if guess else f"use one of the {allowed}"
    if err["type"] in _BOUNDS:
        return "use a value " + _BOUNDS[err["type"]].format(**(err.get("ctx") or {}))
    return _HINTS.get(err["type"], f"fix the value ({err['msg']})")


def _in(path: PathKey) -> str:
    return f" in '{_dotted(path)}'" if path else " at top level"


def _dotted(path: PathKey) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in path).replace(".[", "[")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
