"""Phone numbers and do-not-call lists.

A number that reaches a dial string or a DNC lookup is canonical: an optional leading ``+`` and
3-15 digits (E.164 allows at most 15). Spaces, dashes, dots and parentheses that people type are
removed; ``00`` before a country code becomes ``+``; anything else is an error. DNC lookups compare
digits only, so ``+86 138-0013-8000`` on a lead matches ``8613800138000`` on a list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

_SEPARATORS = re.compile(r"[\s\-.()/]")
_CANONICAL = re.compile(r"^\+?\d{3,15}$")


class BadNumberError(ValueError):
    """Not a phone number we are willing to dial."""

    error_id = "bad-number"


def normalize_number(raw: str) -> str:
    """Canonical ``+digits`` / ``digits`` form, or BadNumberError saying what is wrong."""
    text = _SEPARATORS.sub("", str(raw))
    if text.startswith("00"):
        text = "+" + text[2:]
    if not _CANONICAL.match(text):
        raise BadNumberError(f"{raw!r} is not a phone number; use an optional '+' and 3-15 digits, "
                             "e.g. +8613800138000")
    return text


def dnc_key(number: str) -> str:
    """The digits that identify a number on a do-not-call list."""
    return normalize_number(number).lstrip("+")


class DncList:
    """A set of numbers never to call; ``number in dnc`` accepts any spelling of a number."""

    def __init__(self, numbers: Iterable[str] = ()) -> None:
        self._keys = {dnc_key(n) for n in numbers}

    def __contains__(self, number: object) -> bool:
        if not isinstance(number, str):
            return False
        try:
            return dnc_key(number) in self._keys
        except BadNumberError:
            return False

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, number: str) -> None:
        self._keys.add(dnc_key(number))


def parse_dnc(text: str) -> tuple[DncList, list[str]]:
    """One number per line (first CSV column); ``#`` starts a comment. Returns (list, line errors)."""
    dnc, errors = DncList(), []
    for lineno, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].split(",", 1)[0].strip()
        if not entry or entry.lower() in ("number", "phone"):
            continue
        try:
            dnc.add(entry)
        except BadNumberError as exc:
            errors.append(f"line {lineno}: {exc}")
    return dnc, errors


def load_dnc(paths: Iterable[str | Path]) -> tuple[DncList, list[str]]:
    """Union of DNC files; errors are prefixed with their file name."""
    merged, errors = DncList(), []
    for path in paths:
        dnc, bad = parse_dnc(Path(path).read_text(encoding="utf-8"))
        merged._keys |= dnc._keys
        errors += [f"{path}: {e}" for e in bad]
    return merged, errors
