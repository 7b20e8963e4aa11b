"""The sandbox's error type and its poll-with-a-deadline (shared by the chroot and its nodes)."""

from __future__ import annotations

import time


class SandboxError(RuntimeError):
    """The sandbox could not be brought to the asked state; the message says how to fix it."""

    error_id = "sandbox-failed"


def wait(predicate, timeout: float, what: str, on_timeout=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    if on_timeout:
        on_timeout()
        if predicate():
            return
    raise SandboxError(f"timed out after {timeout:.0f} s waiting for {what}; "
                       "see var/log/asterisk/ in the sandbox for Asterisk's own log")
