"""What a configuration problem is: one `ConfigIssue` per problem (file:line:col: what; fix),
all of a file's issues in one `ConfigError`, and the positions (`Marks`) they point at."""

from __future__ import annotations

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


def issue(file: str, pos: Position, message: str, hint: str) -> ConfigIssue:
    """Collapse whitespace so one issue is one line, whatever the parser or input contained."""
    return ConfigIssue(file, pos.line, pos.col, " ".join(message.split()), " ".join(hint.split()))
