"""Load any of the product's YAML files and validate it against a pydantic model.

Theory of operation: an operator edits YAML by hand, so every problem must come back as
``file:line:col: what is wrong; what would fix it`` and all problems at once. We parse with
ruamel.yaml's round-trip loader because it remembers where each key and value sits, record
those positions in a flat ``{path: NodeMarks}`` table, hand plain Python data to pydantic, and
map each pydantic error ``loc`` back through the table (as Home Assistant's
``config.py::find_annotation`` does). Duplicate keys are found on the composed node graph, so
every duplicate is reported together with the schema errors. The last few parses are kept by
(file, text), so reading an unchanged file again (an engine start reads some twice) costs a copy.

The issue types live in `common.configissues` and the translation of pydantic errors into
operator-ready issues in `common.yamlhints`; both are re-exported here.
"""

from __future__ import annotations

import copy
import datetime
import functools
from collections.abc import Mapping, Set
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

# ConfigError, ConfigIssue, Marks, NodeMarks, Position: re-exported for the loaders
from common.configissues import ConfigError, ConfigIssue, Marks, NodeMarks, PathKey, Position  # noqa: F401
from common.configissues import issue as _issue
from common.yamlhints import schema_issue

M = TypeVar("M", bound=BaseModel)
SYNTAX_HINT = "check indentation, colons after keys and matching quotes/brackets"
_START = Position(1, 1)


# ---------------------------------------------------------------- loading


def load_yaml_with_marks(path: str | Path) -> tuple[Any, Marks]:
    """Parse ``path`` into plain Python data plus positions; ConfigError on any YAML problem."""
    data, marks, issues = _load(str(path))
    if issues:
        raise ConfigError(issues)
    return data, marks


def _load(file: str) -> tuple[Any, Marks, list[ConfigIssue]]:
    """Parse, returning duplicate-key issues instead of raising so schema issues can join them."""
    data, marks, issues = _parse(file, _read(file))
    return copy.deepcopy(data), dict(marks), list(issues)  # callers may change what they are given


@functools.lru_cache(maxsize=64)
def _parse(file: str, text: str) -> tuple[Any, Marks, list[ConfigIssue]]:
    """The parse of one file's text, kept for as long as the text is unchanged: an engine start
    reads each flow and the ACD file twice (loader, then cross-checks), and ruamel's round-trip
    parse is most of what a start costs. A changed file is new text, hence a new parse."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = True  # reported by us, all at once, from the node graph
    try:
        root = yaml.compose(text)
        issues = _duplicate_issues(file, root)
        # Construct from the node graph already composed: `yaml.load(text)` would scan and compose
        # the whole text a second time (about half of every config load, e.g. of an engine start).
        loaded = yaml.constructor.construct_document(root) if root is not None else None
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
        issues += [schema_issue(file, data, marks, model, err) for err in exc.errors()]
    if issues:
        raise ConfigError(issues)
    return result
