"""Caller-controlled values are data, never command text.

panoramisk and the AGI wire send what they are given: a CR/LF inside a caller ID becomes an
extra AMI header (`Application: System`) or a second AGI command. Every value that goes into a
command passes through here first.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UnsafeValueError(ValueError):
    """A value meant for an AMI/AGI command contains control characters."""

    error_id = "unsafe-value"


def check_value(value: str, what: str) -> str:
    """Return `value` unchanged, or raise if it could break out of its field."""
    match = _CONTROL.search(value)
    if match:
        raise UnsafeValueError(f"{what} contains control character {match.group()!r} at offset "
                               f"{match.start()}: {value[:80]!r}; strip control characters before use")
    return value


def strip_controls(value: str) -> str:
    """For display values from outside (caller names): drop control characters instead of failing."""
    return _CONTROL.sub("", value)
