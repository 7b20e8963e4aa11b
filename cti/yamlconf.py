"""Load any of the product's YAML files and validate it against a pydantic model.

Theory of operation: an operator edits YAML by hand, so every problem must come back as
``file:line:col: what is wrong; what would fix it`` and all problems at once. We parse with
ruamel.yaml's round-trip loader because it remembers where each key and value sits, record
those positions in a flat ``{path: NodeMarks}`` table, hand plain Python data to pydantic, and
map each pydantic error ``loc`` back through the table (as Home Assistant's
``config.py::find_annotation`` does). Duplicate keys are found on the composed node graph, so
every duplicate is reported together with the schema errors.
"""

from __future__ import annotations

import datetime
import difflib
import enum
import types
import typing
from collections.abc import Mapping, Set
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

M = TypeVar("M", bound=BaseModel)
PathKey = tuple[Any, ...]
SYNTAX_HINT = "check indentation, colons after keys and matching quotes/brackets"


class ConfigIssue(NamedTuple):
    """One problem in one file; line and col are 1-based, as editors show them."""

    file: str
    line: int
    col: int
    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}; {self.hint}"


class ConfigError(Exception):
    """Every issue found in a file, in file order, so the operator fixes them in one pass."""

    error_id = "config_invalid"

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = sorted(issues, key=lambda i: (i.file, i.line, i.col))
        super().__init__("\n".join(str(i) for i in self.issues))


class Position(NamedTuple):
    line: int
    col: int


class NodeMarks(NamedTuple):
    """Where a node's key (or list dash) and its value start; the root uses its start twice."""

    key: Position
    value: Position


Marks = dict[PathKey, NodeMarks]
_START = Position(1, 1)


def _issue(file: str, pos: Position, message: str, hint: str) -> ConfigIssue:
    """Collapse whitespace so one issue is one line, whatever the parser or input contained."""
    return ConfigIssue(file, pos.line, pos.col, " ".join(message.split()), " ".join(hint.split()))


# ---------------------------------------------------------------- loading


def load_yaml_with_marks(path: str | Path) -> tuple[Any, Marks]:
    """Parse ``path`` into plain Python data plus positions; ConfigError on any YAML problem."""
    data, marks, issues = _load(str(path))
    if issues:
        raise ConfigError(issues)
    return data, marks


def _load(file: str) -> tuple[Any, Marks, list[ConfigIssue]]:
    """Parse, returning duplicate-key issues instead of raising so schema issues can join them."""
    text = _read(file)
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = True  # reported by us, all at once, from the node graph
    try:
        issues = _duplicate_issues(file, yaml.compose(text))
        loaded = yaml.load(text)
        data = _to_plain(loaded, set())
    # ruamel raises plain Python errors (even assert) for a few malformed inputs: still syntax.
    except (YAMLError, RecursionError, ValueError, TypeError, AttributeError, IndexError,
            KeyError, AssertionError) as exc:
        raise ConfigError([_parse_issue(file, text, exc)]) from exc
    marks: Marks = {(): NodeMarks(_start_of(loaded), _start_of(loaded))}
    _collect_marks(loaded, (), marks, set())
    return data, marks, issues


def _read(file: str) -> str:
    try:
        return Path(file).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([_issue(file, _START, f"cannot read file ({exc})",
                                  "check the path and that the file is UTF-8 text")]) from exc


def _parse_issue(file: str, text: str, exc: BaseException) -> ConfigIssue:
    if isinstance(exc, MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = Position(mark.line + 1, mark.column + 1) if mark is not None else _START
        what = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        return _issue(file, where, f"YAML syntax error: {what}", SYNTAX_HINT)
    if isinstance(exc, ReaderError):
        line_start = text.rfind("\n", 0, exc.position) + 1
        where = Position(text.count("\n", 0, exc.position) + 1, exc.position - line_start + 1)
        return _issue(file, where, f"character {exc.character!r} is not allowed in YAML",
                      "delete it, or write it as an escape inside double quotes")
    if isinstance(exc, RecursionError):
        return _issue(file, _START, "the YAML is nested too deeply or an alias contains itself",
                      "flatten the structure or remove the alias")
    return _issue(file, _START, f"unreadable YAML ({type(exc).__name__}: {exc})", SYNTAX_HINT)


def _duplicate_issues(file: str, root: Node | None) -> list[ConfigIssue]:
    """Every repeated key of every mapping; walks the node graph once, aliases included."""
    issues: list[ConfigIssue] = []
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen or not isinstance(node, (MappingNode, SequenceNode)):
            continue
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            stack += node.value
            continue
        first: dict[tuple[str, Any], int] = {}
        for key, value in node.value:
            stack += [key, value]
            if not isinstance(key, ScalarNode):
                continue
            if (key.tag, key.value) in first:
                where = Position(key.start_mark.line + 1, key.start_mark.column + 1)
                issues.append(_issue(file, where, f"duplicate key {key.value!r} (first on line "
                                     f"{first[key.tag, key.value]})", "keep only one of them"))
            else:
                first[key.tag, key.value] = key.start_mark.line + 1
    return issues


def _to_plain(obj: Any, active: set[int]) -> Any:
    """Strip ruamel's wrapper types so callers see dict/list/str/int/float/bool/None."""
    if not isinstance(obj, (Mapping, list, Set)):
        return _plain_scalar(obj)
    if id(obj) in active:
        raise RecursionError("alias cycle")
    active.add(id(obj))
    try:
        if isinstance(obj, Mapping):
            return {_plain_key(k): _to_plain(v, active) for k, v in obj.items()}
        return [_to_plain(v, active) for v in obj]
    finally:
        active.discard(id(obj))


def _plain_key(key: Any) -> Any:
    if isinstance(key, (str, int, float, bool)) or key is None:
        return _plain_scalar(key)
    return str(key)  # a complex key (? [a, b]) only needs naming in an "unknown key" message


def _plain_scalar(obj: Any) -> Any:
    if isinstance(obj, TaggedScalar):
        return obj.value
    for plain in (bool, int, float, str):
        if isinstance(obj, plain):
            return plain(obj)
    if isinstance(obj, datetime.datetime):
        return datetime.datetime.fromisoformat(obj.isoformat())
    return obj


def _collect_marks(node: Any, path: PathKey, marks: Marks, active: set[int]) -> None:
    if id(node) in active or not isinstance(node, (CommentedMap, CommentedSeq)):
        return
    active.add(id(node))
    keys = list(node) if isinstance(node, CommentedMap) else range(len(node))
    lcs = node.lc.data if isinstance(node.lc.data, dict) else {}
    for key in keys:
        lc = lcs.get(key)  # merged (<<) keys have none: fall back to the enclosing mapping
        key_pos = Position(lc[0] + 1, lc[1] + 1) if lc else _start_of(node)
        value_pos = Position(lc[2] + 1, lc[3] + 1) if lc and len(lc) > 2 else key_pos
        child = path + (_plain_key(key),)
        marks[child] = NodeMarks(key_pos, value_pos)
        _collect_marks(node[key], child, marks, active)
    active.discard(id(node))


def _start_of(node: Any) -> Position:
    lc = getattr(node, "lc", None)
    return _START if lc is None or lc.line is None else Position(lc.line + 1, lc.col + 1)


# ---------------------------------------------------------------- validation


def validate(path: str | Path, model: type[M]) -> M:
    """Load ``path`` and build ``model`` from it, or raise ConfigError listing every problem."""
    file = str(path)
    data, marks, issues = _load(file)
    if data is None:
        data = {}  # an empty file means "all defaults"; missing required keys then get named
    try:
        result = model.model_validate(data)
    except ValidationError as exc:
        issues += [_schema_issue(file, data, marks, model, err) for err in exc.errors()]
    if issues:
        raise ConfigError(issues)
    return result


def _schema_issue(file: str, data: Any, marks: Marks, model: type[BaseModel],
                  err: ErrorDetails) -> ConfigIssue:
    path = _data_path(data, err["loc"])
    node = marks.get(path, marks[()])
    value = err.get("input")
    if err["type"] == "extra_forbidden":
        allowed = _field_names(_model_at(model, path[:-1]))
        return _issue(file, node.key, f"unknown key {path[-1]!r}{_in(path[:-1])}",
                      _key_hint(str(path[-1]), allowed))
    if err["type"] == "missing":
        name = err["loc"][-1]
        parent = path[:-1] if path and path[-1] == name else path
        where = marks.get(parent, marks[()])
        return _issue(file, where.key if parent else where.value,
                      f"missing required key {name!r}{_in(parent)}",
                      f"add '{name}: <value>'" + (f" under '{_dotted(parent)}'" if parent else ""))
    if err["type"] == "invalid_key":
        return _issue(file, node.key, f"key {_show(value)}{_in(path[:-1])} is not text",
                      "use a word as the key, or quote it")
    # An empty value's mark is the next token, often on the next line: point at its key instead.
    where = node.key if path and (value is None or isinstance(value, (dict, list))) else node.value
    return _issue(file, where, f"{_dotted(path) or 'document'}: {err['msg']} (got {_show(value)})",
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


def _did_you_mean(word: str, choices: list[str]) -> str | None:
    """Closest choice ignoring case, since 'info' for 'INFO' is the commonest slip."""
    folded = {c.lower(): c for c in choices}
    match = difflib.get_close_matches(word.lower(), list(folded), n=1, cutoff=0.6)
    return folded[match[0]] if match else None


def _key_hint(key: str, allowed: list[str]) -> str:
    guess = _did_you_mean(key, allowed)
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
        guess, allowed = _did_you_mean(str(value), choices), f"allowed: {', '.join(choices)}"
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
