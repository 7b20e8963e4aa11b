"""Pure helpers for the stepper: templates, values to say, opening hours, lookup results.

No I/O and no clock: the time is handed in. Everything here takes plain values and returns
plain values, so the stepper, the simulator and the tests share one definition of each rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from ivr.models import TEMPLATE_FIELD, HoursNode

_MONEY = re.compile(r"^-?\d{1,12}(\.\d{1,2})?$")
_NUMBER = re.compile(r"^-?\d{1,15}$")
_DIGITS = re.compile(r"^[0-9*#]{1,64}$")


def render(template: str, variables: Mapping[str, str], escape: Callable[[str], str] = str) -> str:
    """'{account}-x' with account=42 -> '42-x'; an unset variable gives ''."""
    return TEMPLATE_FIELD.sub(lambda m: escape(variables.get(m.group(1), "")), template)


def missing_fields(template: str, variables: Mapping[str, str]) -> list[str]:
    """Variables a template refers to that are unset or empty."""
    return [name for name in TEMPLATE_FIELD.findall(template) if not variables.get(name)]


def say_value(kind: str, text: str) -> str | None:
    """The canonical form of a value to say, or None when it cannot be said as `kind`.

    digits: keys 0-9 * # (spaces and dashes dropped); number: an integer; money: an amount with
    two decimals ('1234.5' -> '1234.50'); date: YYYY-MM-DD.
    """
    text = text.strip()
    if kind == "digits":
        keys = re.sub(r"[\s\-]", "", text)
        return keys if _DIGITS.match(keys) else None
    if kind == "number":
        return str(int(text)) if _NUMBER.match(text) else None
    if kind == "money":
        if not _MONEY.match(text):
            return None
        try:
            return f"{Decimal(text):.2f}"
        except InvalidOperation:
            return None
    if kind == "date":
        try:
            return date.fromisoformat(text).isoformat() if len(text) == 10 else None
        except ValueError:
            return None
    raise ValueError(f"unknown say kind {kind!r}")


def hours_state(node: HoursNode, now: datetime) -> str:
    """'open', 'closed' or 'holiday' for an aware `now`, read in the node's time zone."""
    return node.calendar().state(now)


def pick_fields(result: Mapping[str, object], fields: Mapping[str, str]) -> dict[str, str]:
    """Variables from a lookup result: `fields` maps variable -> key ('a.b' reaches into nested
    objects); without `fields`, every top-level key that is a valid variable name is kept."""
    if not fields:
        return {key: _text(value) for key, value in result.items() if TEMPLATE_FIELD.fullmatch(f"{{{key}}}")}
    return {variable: _text(_dig(result, key)) for variable, key in fields.items()}


def _dig(result: Mapping[str, object], path: str) -> object:
    value: object = result
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _text(value: object) -> str:
    """Scalars become text ('true'/'false' for booleans); missing values, lists and objects ''."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float, Decimal)):
        return "".join(ch for ch in str(value) if ch.isprintable())
    return ""
