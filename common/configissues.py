"""What a configuration problem is: one `ConfigIssue` per problem (file:line:col: what; fix),
all of a file's issues in one `ConfigError`, the positions (`Marks`) they point at, and the
did-you-mean guess their hints offer."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any, NamedTuple

PathKey = tuple[Any, ...]


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


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The closest choice ignoring case, since 'info' for 'INFO' is the commonest slip."""
    folded = {c.lower(): c for c in choices}
    match = difflib.get_close_matches(word.lower(), list(folded), n=1, cutoff=0.6)
    return folded[match[0]] if match else None


def issue(file: str, pos: Position, message: str, hint: str) -> ConfigIssue:
    """Collapse whitespace so one issue is one line, whatever the parser or input contained."""
    return ConfigIssue(file, pos.line, pos.col, " ".join(message.split()), " ".join(hint.split()))
