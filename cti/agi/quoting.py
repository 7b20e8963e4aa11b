"""Building AGI command lines from values that may be caller-controlled.

Asterisk's ``res_agi`` splits a command line on spaces, honours double quotes and
treats a backslash as "take the next character literally" (inside or outside
quotes). It reads commands into a 2 KiB buffer and treats ``\\n`` as the end of a
command. So: control characters are refused outright (a newline would start a
second command), arguments with spaces, quotes, backslashes or nothing at all are
quoted with ``"`` and ``\\`` escaped, and a line too long for Asterisk's buffer is
refused (its tail would be read as the next command).
"""

from __future__ import annotations

import re

from cti.agi.errors import UnsafeValueError

__all__ = [
    "MAX_COMMAND_BYTES",
    "check_app_arg",
    "check_app_name",
    "check_digits",
    "check_safe",
    "check_variable_name",
    "format_command",
    "format_command_quoted",
    "quote",
]

MAX_COMMAND_BYTES = 2047  # Asterisk's AGI_BUF_LEN is 2048, including the newline
_COMMAND_RE = re.compile(r"^[A-Z]+(?: [A-Z]+)*$")
_NEEDS_QUOTES = frozenset(' "\\')
# Unicode category Cc is exactly C0, DEL and C1 (a test checks it against unicodedata): one regex
# search instead of a unicodedata.category() call per character of every argument.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")


def check_safe(value: object) -> str:
    """Return ``str(value)`` or raise :class:`UnsafeValueError` if it holds a control character."""
    text = str(value)
    found = _CONTROL_RE.search(text)
    if found is not None:
        raise UnsafeValueError(
            f"control character {found.group()!r} in AGI argument {text[:40]!r}; strip it before use",
            reason="control-character",
        )
    return text


def quote(arg: object, *, force: bool = False) -> str:
    """Quote one AGI argument when needed (or always with ``force``), after validating it."""
    text = check_safe(arg)
    if not force and text and not _NEEDS_QUOTES.intersection(text):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def format_command(command: str, *args: object) -> bytes:
    """Build one AGI command line, e.g. ``format_command("STREAM FILE", "hello", "")``.

    ``command`` is our own fixed verb (``STREAM FILE``); every further argument is data
    and goes through :func:`quote`.
    """
    if not _COMMAND_RE.match(command):
        raise UnsafeValueError(f"not an AGI command verb: {command[:40]!r}", reason="bad-command")
    return _finish(" ".join([command, *(quote(arg) for arg in args)]))


def format_command_quoted(command: str, *quoted_args: str) -> bytes:
    """Like :func:`format_command` for arguments already passed through :func:`quote`."""
    if not _COMMAND_RE.match(command):
        raise UnsafeValueError(f"not an AGI command verb: {command[:40]!r}", reason="bad-command")
    return _finish(" ".join([command, *quoted_args]))


def _finish(line: str) -> bytes:
    encoded = line.encode("utf-8") + b"\n"
    if len(encoded) > MAX_COMMAND_BYTES:
        raise UnsafeValueError(
            f"AGI command of {len(encoded)} bytes exceeds Asterisk's {MAX_COMMAND_BYTES}-byte buffer",
            reason="command-too-long",
        )
    return encoded


_DIGITS_RE = re.compile(r"^[0-9*#A-D]*$")
_VARIABLE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]*(?:\([A-Za-z0-9_,.:@/-]*\))?$")
_APP_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def check_digits(value: str, *, what: str = "digits") -> str:
    """DTMF keys only (``0-9*#A-D``): escape digits, terminators, digits to say."""
    if not _DIGITS_RE.match(check_safe(value)):
        raise UnsafeValueError(f"{what} may only hold 0-9 * # A-D, got {value[:40]!r}", reason="bad-digits")
    return value


def check_variable_name(name: str) -> str:
    """A channel variable or dialplan function name such as ``DIALSTATUS`` or ``CALLERID(num)``."""
    if not _VARIABLE_RE.match(check_safe(name)):
        raise UnsafeValueError(f"not a channel variable name: {name[:40]!r}", reason="bad-variable-name")
    return name


def check_app_name(app: str) -> str:
    if not _APP_RE.match(check_safe(app)):
        raise UnsafeValueError(f"not a dialplan application name: {app[:40]!r}", reason="bad-application")
    return app


def check_app_arg(arg: object) -> str:
    """One argument of a dialplan application run through EXEC.

    The arguments are joined with commas into one string, so a comma inside a value
    would add an argument (say, Dial options); ``${``/``$[`` would ask Asterisk to
    evaluate an expression. Both are refused.
    """
    text = check_safe(arg)
    if "," in text:
        raise UnsafeValueError(f"comma in application argument {text[:40]!r}", reason="comma-in-app-arg")
    if "${" in text or "$[" in text:
        raise UnsafeValueError(f"expression in application argument {text[:40]!r}", reason="expression-in-app-arg")
    return text
