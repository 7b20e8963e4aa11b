"""IVR nodes that talk with the caller: play, menu, collect, say, set, language (see ivr.models)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ivr.node_base import DIGITS, Exit, NodeName, PromptName, Template, VarName, _Next, _Node

class PlayNode(_Next):
    """Play prompts in order; with barge_in a key press skips ahead and is kept for the next menu."""

    type: Literal["play"]
    prompts: list[PromptName] = Field(min_length=1)
    barge_in: bool = True

    def prompt_refs(self) -> list[tuple[tuple[str | int, ...], str]]:
        return [(("prompts", i), p) for i, p in enumerate(self.prompts)]


class _Asks(_Node):
    """Shared by menu and collect: a prompt, attempts, retry prompts, and where silence ends up."""

    prompt: PromptName
    timeout_s: float = Field(5.0, gt=0, le=60)
    max_attempts: int = Field(3, ge=1, le=10)
    no_input: list[PromptName] = Field(default_factory=list, description="prompt per silent attempt (last one repeats)")
    no_match: list[PromptName] = Field(default_factory=list, description="prompt per wrong entry (last one repeats)")
    on_silence: NodeName | None = Field(None, description="where to go when every attempt was silent")
    fallback: NodeName

    def silent_exits(self) -> list[str]:
        return [self.on_silence or self.fallback]

    def _retry_exits(self) -> list[Exit]:
        return [(("fallback",), self.fallback, "timeout/invalid"),
                *([(("on_silence",), self.on_silence, "silence")] if self.on_silence else [])]

    def prompt_refs(self) -> list[tuple[tuple[str | int, ...], str]]:
        return [(("prompt",), self.prompt), *((("no_input", i), p) for i, p in enumerate(self.no_input)),
                *((("no_match", i), p) for i, p in enumerate(self.no_match))]


class MenuNode(_Asks):
    """Ask for one key; retry on silence or a wrong key; then go to a fallback node."""

    type: Literal["menu"]
    choices: dict[str, NodeName] = Field(min_length=1)

    @field_validator("choices")
    @classmethod
    def _keys_are_digits(cls, choices: dict[str, str]) -> dict[str, str]:
        bad = [k for k in choices if len(k) != 1 or k not in DIGITS]
        if bad:
            raise ValueError(f"menu keys must be single keys 0-9, * or #; got {bad}")
        return choices

    def exits(self) -> list[Exit]:
        return [*((("choices", key), t, key) for key, t in self.choices.items()), *self._retry_exits()]


class CollectNode(_Asks):
    """Read several keys into a variable: length limits, a pattern, retries, an optional read-back."""

    type: Literal["collect"]
    variable: VarName
    min_length: int = Field(1, ge=1, le=32)
    max_length: int = Field(16, ge=1, le=32)
    terminator: Literal["#", "*", ""] = Field("#", description="key that ends the entry early ('' for none)")
    pattern: str | None = Field(None, description="regular expression the whole entry must match")
    confirm: bool = Field(False, description="read the entry back and ask: 1 to confirm, 2 to re-enter")
    readback_prompt: PromptName = "you_entered"
    confirm_prompt: PromptName = "confirm_entry"
    shortcuts: dict[str, NodeName] = Field(default_factory=dict, description=(
        "an entry of just this key (then the terminator or the timeout) goes to that node, e.g. "
        "{'0': agent}: no valid entry may be that short"))
    next: NodeName

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from None
        return pattern

    @model_validator(mode="after")
    def _lengths_in_order(self) -> CollectNode:
        if self.min_length > self.max_length:
            raise ValueError(f"min_length {self.min_length} is above max_length {self.max_length}")
        bad = [k for k in self.shortcuts if len(k) != 1 or k not in DIGITS or k == self.terminator]
        if bad:
            raise ValueError(f"shortcut keys must be single keys 0-9, * or # other than the terminator; got {bad}")
        if self.shortcuts and self.min_length < 2:
            raise ValueError("shortcuts need min_length of 2 or more, or a one-key entry would be ambiguous")
        return self

    def exits(self) -> list[Exit]:
        return [(("next",), self.next, "entered"), *((("shortcuts", k), t, k) for k, t in self.shortcuts.items()),
                *self._retry_exits()]

    def prompt_refs(self) -> list[tuple[tuple[str | int, ...], str]]:
        extra = [(("readback_prompt",), self.readback_prompt), (("confirm_prompt",), self.confirm_prompt)]
        return super().prompt_refs() + (extra if self.confirm else [])


class SayNode(_Next):
    """Say a value from a variable or a literal, in the call's language."""

    type: Literal["say"]
    kind: Literal["digits", "number", "money", "date"]
    value: Template = Field(description="'{balance}', '{account}' or a literal such as '2026-12-25'")

    def prompt_refs(self) -> list[tuple[tuple[str | int, ...], str]]:
        return [(("kind",), p) for p in MONEY_PROMPTS] if self.kind == "money" else []


MONEY_PROMPTS = ("money_major", "money_minor", "money_fen")
"""Unit words a money amount needs: dollars/cents in English, 元/角/分 in Mandarin."""


class SetNode(_Next):
    """Set call variables from literals or other variables (`{name}` templates only)."""

    type: Literal["set"]
    values: dict[VarName, Template] = Field(min_length=1)


class LanguageNode(_Next):
    """Switch the call's language: later prompts come from sounds/<language>/."""

    type: Literal["language"]
    language: Literal["en", "zh"] | None = None
    variable: VarName | None = Field(None, description="take the language from this variable (en or zh; "
                                                       "any other value keeps the current one)")

    @model_validator(mode="after")
    def _one_source(self) -> LanguageNode:
        if (self.language is None) == (self.variable is None):
            raise ValueError("give exactly one of 'language' (en or zh) or 'variable'")
        return self
