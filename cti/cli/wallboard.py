"""Wallboard frames for `hotline monitor`, as pure functions of the control socket's replies.

Theory of operation: the CLI shell (`cti.cli.monitor`) polls `queue.stats` and `agent.list`
and hands the plain dicts it got to `render`, which returns the whole frame as text. Nothing
here does I/O or reads a clock, so a frame is a function of (queues, agents, now, width) and
tests feed fixture dicts. Rows are built as (text, style) cells and cut to the width before
any colour code is added, so truncation never splits an escape sequence or miscounts one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Sequence

SL_WINDOW = "15"  # minutes; JSON turned the windows' int keys into strings
UNDER_TARGET = "!"
MAX_CALLERS = 10
STATE_ORDER = ("ready", "reserved", "on_call", "wrap_up", "paused", "logged_out")
STATE_LABEL = {"ready": "ready", "reserved": "ringing", "on_call": "on call", "wrap_up": "wrap-up",
               "paused": "paused", "logged_out": "logged out"}
_SGR = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "blue": "34",
        "magenta": "35", "cyan": "36"}
STATE_STYLE = {"ready": "green", "reserved": "yellow", "on_call": "blue", "wrap_up": "cyan",
               "paused": "magenta", "logged_out": "dim"}


@dataclass(frozen=True)
class Cell:
    text: str
    style: str = ""  # key of _SGR, or ""
    right: bool = False  # right-aligned (numbers)


Row = Sequence[Cell]


def render(queues: list[dict[str, Any]], agents: list[dict[str, Any]], now: datetime, width: int,
           *, source: str = "", colour: bool = False) -> str:
    """One frame: header, queues table, waiting callers (when the stats list them), agents table."""
    rows: list[Row] = [_header(now, f"engine up{f' at {source}' if source else ''}", "green"), []]
    rows += _table(_QUEUE_HEAD, [_queue_row(q) for q in queues]) or [[Cell("no queues configured", "dim")]]
    if any(_sl_under(q) for q in queues):
        rows.append([Cell(f"{UNDER_TARGET} service level (15 min) under the queue's target", "red")])
    callers = _callers(queues)
    if callers:
        rows += [[], [Cell("Longest-waiting callers", "bold")]]
        rows += _table(_CALLER_HEAD, [_caller_row(c) for c in callers])
    rows.append([])
    rows += _table(_AGENT_HEAD, [_agent_row(a) for a in sort_agents(agents)]) or [[Cell("no agents", "dim")]]
    return _emit(rows, width, colour)


def render_unreachable(socket: str, now: datetime, width: int, *, reason: str = "",
                       colour: bool = False) -> str:
    """The frame shown while the engine does not answer; the loop keeps polling."""
    rows: list[Row] = [_header(now, "engine down", "red"), [],
                       [Cell(f"engine unreachable at {socket}: retrying", "red")]]
    if reason:
        rows.append([Cell(f"({reason})", "dim")])
    return _emit(rows, width, colour)


def sort_agents(agents: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """By state (ready first, logged out last), then longest in that state first, then id."""
    def key(agent: dict[str, Any]) -> tuple:
        state = agent.get("state", "")
        rank = STATE_ORDER.index(state) if state in STATE_ORDER else len(STATE_ORDER)
        return rank, -float(agent.get("since_s") or 0.0), str(agent.get("id", ""))
    return sorted(agents, key=key)


def duration(seconds: float | None) -> str:
    """m:ss below an hour, h:mm:ss above; '-' when there is no figure."""
    if seconds is None:
        return "-"
    total = max(0, int(round(seconds)))
    hours, rest = divmod(total, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


# ------------------------------------------------------------------ rows

# SL and the waits come before the agent counts: on a narrow screen the cut takes the counts first
_QUEUE_HEAD = [Cell("QUEUE"), Cell("WAIT", right=True), Cell("LONGEST", right=True),
               Cell("SL15/TARGET", right=True), Cell("ASA15", right=True), Cell("ABAND15", right=True),
               Cell("EWT", right=True), Cell("READY", right=True), Cell("RING", right=True),
               Cell("CALL", right=True), Cell("WRAP", right=True), Cell("PAUSE", right=True)]
_AGENT_HEAD = [Cell("AGENT"), Cell("NAME"), Cell("STATE"), Cell("REASON"), Cell("TIME", right=True)]
_CALLER_HEAD = [Cell("QUEUE"), Cell("CALLER"), Cell("PRIO", right=True), Cell("WAIT", right=True)]


def _header(now: datetime, status: str, style: str) -> Row:
    return [Cell("hotline monitor", "bold"), Cell(now.strftime("%Y-%m-%d %H:%M:%S")), Cell(status, style)]


def _window(queue: dict[str, Any]) -> dict[str, Any]:
    windows = queue.get("windows") or {}
    return windows.get(SL_WINDOW) or windows.get(int(SL_WINDOW)) or {}


def _sl_under(queue: dict[str, Any]) -> bool:
    sl, target = _window(queue).get("service_level"), queue.get("sl_target_percent")
    return sl is not None and target is not None and sl < target


def _queue_row(q: dict[str, Any]) -> Row:
    by_state = q.get("agents") or {}
    window = _window(q)
    under = _sl_under(q)
    sl = f"{_percent(window.get('service_level'))}/{_percent(q.get('sl_target_percent'))}"
    waiting = int(q.get("waiting") or 0)
    return [Cell(str(q.get("queue", "?")), "bold"),
            Cell(str(waiting), "yellow" if waiting else "", True),
            Cell(duration(q.get("longest_wait_s") if waiting or q.get("reserved") else None), right=True),
            Cell(f"{sl} {UNDER_TARGET}" if under else f"{sl}  ", "red" if under else "", True),
            Cell(duration(window.get("asa_s")), right=True),
            Cell(_percent(window.get("abandonment_rate")), right=True),
            Cell(duration(q.get("ewt_s")), right=True),
            *(Cell(str(by_state.get(s, 0)), right=True) for s in ("ready", "reserved", "on_call", "wrap_up",
                                                                  "paused"))]


def _agent_row(a: dict[str, Any]) -> Row:
    state = str(a.get("state", "?"))
    return [Cell(str(a.get("id", "?"))), Cell(str(a.get("name", ""))),
            Cell(STATE_LABEL.get(state, state), STATE_STYLE.get(state, "")),
            Cell(str(a.get("reason") or "")),
            # a never-logged-in agent's since_s is the engine clock's age: no figure worth showing
            Cell(duration(None if state == "logged_out" else a.get("since_s")), right=True)]


def _callers(queues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Waiting callers, if the engine's stats carry a per-queue ``callers`` list (wait_s each)."""
    callers = [{"queue": q.get("queue", "?"), **c} for q in queues for c in q.get("callers") or ()
               if isinstance(c, dict)]
    return sorted(callers, key=lambda c: -float(c.get("wait_s") or 0.0))[:MAX_CALLERS]


def _caller_row(c: dict[str, Any]) -> Row:
    who = c.get("caller") or c.get("number") or c.get("id") or c.get("call") or "?"
    if c.get("kind") == "consult":  # an agent waiting for a colleague about this caller
        who = f"{who} (consult)"
    return [Cell(str(c["queue"])), Cell(str(who)), Cell(str(c.get("priority", "")), right=True),
            Cell(duration(c.get("wait_s")), "yellow", True)]


# ------------------------------------------------------------------ layout

def _table(head: Row, body: list[Row]) -> list[Row]:
    if not body:
        return []
    widths = [max(len(row[i].text) for row in [head, *body]) for i in range(len(head))]
    def pad(row: Row, bold: bool = False) -> Row:
        return [Cell(c.text.rjust(w) if c.right else c.text.ljust(w), "bold" if bold else c.style)
                for c, w in zip(row, widths)]
    return [pad(head, bold=True), *map(pad, body)]


def _emit(rows: list[Row], width: int, colour: bool) -> str:
    return "\n".join(_line(row, max(1, width), colour) for row in rows) + "\n"


def _line(row: Row, width: int, colour: bool) -> str:
    """Cells joined by two spaces, cut to ``width`` columns (an ellipsis marks the cut)."""
    parts = [(("  " if i else "") + c.text, c.style) for i, c in enumerate(row)]
    if parts:
        parts[-1] = (parts[-1][0].rstrip(), parts[-1][1])
    cut = sum(len(text) for text, _ in parts) > width
    budget, out = (width - 1 if cut else width), []
    for text, style in parts:
        text = text[:budget]
        budget -= len(text)
        lead = len(text) - len(text.lstrip(" ")) if out else 0
        body = text[lead:]
        out.append(text[:lead] + (_paint(body, style) if colour and style and body.strip() else body))
    return "".join(out) + ("…" if cut else "")


def _paint(text: str, style: str) -> str:
    return f"\x1b[{_SGR[style]}m{text}\x1b[0m"
