"""How a `Say` command is spoken, per language: a pure list of parts the shell plays in order.

Asterisk speaks numbers and dates itself (SAY NUMBER, SayUnixTime) in the channel's language;
unit words for money are our own prompts (MONEY_PROMPTS), because Asterisk has no currency
words: English says "1234 dollars 50 cents", Mandarin "1234 元 5 角 0 分" without a zero part.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import NamedTuple

# SayUnixTime formats: English "March 15th 2026", Mandarin "2026年 3月 15日".
DATE_FORMATS = {"en": "BdY", "zh": "YBd"}


class Part(NamedTuple):
    how: str     # "number", "digits", "prompt" or "unixtime"
    value: str   # the number, the keys, the prompt name, or the unix time
    fmt: str = ""  # unixtime only: SayUnixTime's format


def say_parts(kind: str, value: str, language: str) -> list[Part]:
    """`value` is canonical (see `ivr.values.say_value`)."""
    if kind == "digits":
        return [Part("digits", value)]
    if kind == "number":
        return [Part("number", value)]
    if kind == "money":
        return _money(value, language)
    if kind == "date":
        noon = datetime.combine(date.fromisoformat(value), time(12), timezone.utc)  # no zone shifts the day
        return [Part("unixtime", str(int(noon.timestamp())), DATE_FORMATS.get(language, DATE_FORMATS["en"]))]
    raise ValueError(f"unknown say kind {kind!r}")


def _money(value: str, language: str) -> list[Part]:
    sign = "-" if value.startswith("-") else ""
    major, minor = value.lstrip("-").split(".")
    parts = [Part("number", f"{sign}{int(major)}"), Part("prompt", "money_major")]
    if language == "zh":
        jiao, fen = minor
        if jiao != "0":
            parts += [Part("number", jiao), Part("prompt", "money_minor")]
        if fen != "0":
            parts += [Part("number", fen), Part("prompt", "money_fen")]
    elif int(minor):
        parts += [Part("number", str(int(minor))), Part("prompt", "money_minor")]
    return parts


def describe(parts: list[Part], texts: dict[str, str]) -> str:
    """For transcripts: '1234 [dollars] 50 [cents]'."""
    shown = {"number": "{}", "digits": "{}", "unixtime": "<date {}>"}
    return " ".join(f"[{texts.get(p.value, p.value)}]" if p.how == "prompt" else shown[p.how].format(p.value)
                    for p in parts)
