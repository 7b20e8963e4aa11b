"""The commands the pure stepper (`ivr.stepper.Walk`) gives its shell, and what the shell feeds back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ivr.models import Flow

@dataclass(frozen=True)
class Play:
    prompts: tuple[str, ...]
    escape_digits: str


@dataclass(frozen=True)
class Collect:
    """Play `prompts` in order (a key ends them) and wait `timeout_ms` for up to `max_digits` keys.

    Feed back the keys ('' for none); `terminator` ends an entry early and is not included.
    """

    prompts: tuple[str, ...]
    timeout_ms: int
    escape_digits: str
    max_digits: int = 1
    terminator: str = ""


@dataclass(frozen=True)
class Say:
    """Say `value` (canonical form from `ivr.values.say_value`) as digits, number, money or date."""

    kind: str
    value: str


@dataclass(frozen=True)
class Lookup:
    """customer_db: find the customer whose `field` equals `key`; http: GET the URL in `key`.

    Feed back a mapping (found), None or {} (not found), or a `LookupFailure`.
    """

    source: str
    key: str
    field: str = ""
    timeout_s: float = 2.0


@dataclass(frozen=True)
class LookupFailure:
    reason: str


@dataclass(frozen=True)
class Enqueue:
    """Wait in an ACD queue; feed back the outcome (answered, timeout, nobody_logged_in, ...)."""

    queue: str
    priority: int
    callback_key: str


@dataclass(frozen=True)
class Transfer:
    """Dial (or dialplan-Goto) `target` after setting `variables`; feed back 'answered' or 'failed'."""

    target: str
    variables: Mapping[str, str]
    context: str = "hotline"
    mode: str = "dial"
    ring_s: int = 30


@dataclass(frozen=True)
class Callback:
    """Book a call back to `number` (read from `number_variable`); feed back 'booked' or 'failed'."""

    number_variable: str
    number: str


@dataclass(frozen=True)
class Voicemail:
    """Run Asterisk's VoiceMail() for `mailbox@context`; feed back 'left' or 'failed'."""

    mailbox: str
    context: str
    greeting: str


@dataclass(frozen=True)
class GotoFlow:
    """Continue in another flow; feed back that `Flow`, or None when it is not served."""

    flow: str
    node: str | None


@dataclass(frozen=True)
class Finish:
    disposition: str


Command = Play | Collect | Say | Lookup | Enqueue | Transfer | Callback | Voicemail | GotoFlow | Finish
Result = str | Mapping[str, object] | LookupFailure | Flow | None
QUEUE_RESULTS = ("answered", "timeout", "nobody_logged_in", "queue_full", "callback")
TRANSFER_RESULTS = ("answered", "failed", "transferred")
CALLBACK_RESULTS = ("booked", "failed")
VOICEMAIL_RESULTS = ("left", "failed")
