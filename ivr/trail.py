"""What a walk through a flow records: each decision, for the simulator and the logs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Event(StrEnum):
    ENTER = "enter"            # detail: node type
    KEY = "key"                # detail: key pressed at a menu
    TYPE_AHEAD = "type_ahead"  # detail: key pressed during a barge-in prompt, kept for the next menu
    IGNORED = "ignored"        # detail: key pressed during a prompt without barge-in
    SILENCE = "silence"
    RETRY = "retry"            # detail: "no_match" or "no_input", attempt number
    ENTRY = "entry"            # detail: keys entered at a collect node
    CONFIRMED = "confirmed"    # detail: variable=value
    REENTER = "reenter"        # detail: key pressed instead of 1 at the confirmation
    SET = "set"                # detail: variable=value
    LANGUAGE = "language"      # detail: language now in use
    SKIPPED = "skipped"        # detail: why a say node said nothing
    LOOKUP = "lookup"          # detail: found / not found / failure and why
    CHOICE = "choice"          # detail: target node
    FALLBACK = "fallback"      # detail: target node
    ON_SILENCE = "on_silence"  # detail: target node
    FINISH = "finish"          # detail: disposition
    RATED = "rated"            # detail: question=score, or question=no_answer / invalid


@dataclass(frozen=True)
class Decision:
    node: str
    event: Event
    detail: str = ""


class FlowLoopError(RuntimeError):
    error_id = "ivr-loop"
