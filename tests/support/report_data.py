"""Two hours of a small call centre, written as data, for the `hotline report` tests
(tests/integration/test_reports.py, test_report_cli.py).

09:00-11:00 UTC, 2026-11-02: queues sales and support, agents a1 and a2, 10 queued calls in the
period (plus 2 outside it), 6 IVR-only calls, one call with no IVR, callers who call back, and
13 dial attempts, and 7 IVR question visits (one the day after).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.reports.indexes import ensure_report_indexes
from cti.store import create_schema
from cti.store.schema import agent_state_log, cdr, dial_attempt, ivr_visit, queue_log

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
T_END = T0 + timedelta(hours=2)


def at(hms: str, day: int = 2) -> datetime:
    """'09:05:10' on 2026-11-<day> UTC."""
    h, m, s = (int(x) for x in hms.split(":"))
    return datetime(2026, 11, day, h, m, s, tzinfo=UTC)


# -- queued calls: (call_id, caller, queue, enqueued, outcome, wait_s, agent, talk_s) ------------------
# The CDR starts 30 s before the enqueue (time in the IVR); answered calls end completed,
# abandoned ones caller_hangup.
QUEUED = [
    ("S1", "5550001", "sales", "09:05:00", "answer", 10, "a1", 120),
    ("S2", "5550002", "sales", "09:20:00", "answer", 30, "a2", 200),   # a1 did not answer first
    ("S3", "5550003", "sales", "09:40:00", "abandon", 3, None, None),  # short abandon
    ("S4", "5550001", "sales", "09:50:00", "abandon", 40, None, None),  # abandoned after SL
    ("S5", "5550004", "sales", "10:10:00", "answer", 15, "a1", 180),
    ("S6", "5550003", "sales", "10:35:00", "abandon", 12, None, None),
    ("S7", "5550005", "sales", "10:59:50", "abandon", 25, None, None),  # abandons at 11:00:15, after --to
    ("P1", "5550006", "support", "09:10:00", "answer", 5, "a2", 300),
    ("P2", "5550007", "support", "10:20:00", "answer", 25, "a1", 60),
    ("P3", "5550008", "support", "10:50:00", "abandon", 8, None, None),
    ("X0", "5550006", "sales", "08:50:00", "abandon", 30, None, None),   # before the period
    ("X1", "5550007", "support", "11:05:00", "abandon", 10, None, None),  # after the period
]

# -- IVR and other calls: (call_id, caller, started, ivr_flow, exit_node, disposition, day) ----------
OTHER_CALLS = [
    ("I1", "5550009", "09:12:00", "main", "hours", "completed", 2),       # contained
    ("I2", "5550010", "09:45:00", "main", "menu", "caller_hangup", 2),    # drop-out at menu
    ("I3", "5550011", "10:05:00", "main", "menu", "caller_hangup", 2),    # drop-out at menu
    ("I4", "5550003", "10:30:00", "main", "account", "caller_hangup", 2),  # drop-out at account
    ("I5", "5550012", "10:40:00", "main", "balance", "completed", 2),     # contained
    ("I6", "5550013", "10:55:00", "main", "lookup", "error", 2),          # neither
    ("N1", "", "09:50:00", "", "", "fallback", 2),                         # no IVR, no caller number
    ("Y0", "5550002", "12:00:00", "main", "hours", "completed", 1),       # the day before
    ("Y1", "5550001", "09:00:00", "main", "hours", "completed", 5),       # 3 days later
    ("Y2", "5550004", "09:00:00", "main", "hours", "completed", 12),      # 10 days later
]

# -- agent state rows: (agent, at, from_state, event, to_state, reason) -----------------------------
STATES = [
    ("a1", "08:30:00", "logged_out", "login", "ready", None),  # logged in before the period
    ("a1", "09:05:08", "ready", "reserve", "reserved", None),
    ("a1", "09:05:10", "reserved", "accept", "on_call", None),  # S1
    ("a1", "09:07:10", "on_call", "hangup", "wrap_up", None),
    ("a1", "09:07:40", "wrap_up", "wrapup_done", "ready", None),
    ("a1", "09:20:05", "ready", "reserve", "reserved", None),   # S2 rings at a1...
    ("a1", "09:20:25", "reserved", "reject", "paused", "no_answer"),  # ...who does not answer
    ("a1", "09:25:00", "paused", "ready", "ready", None),
    ("a1", "09:30:00", "ready", "pause", "paused", "lunch"),
    ("a1", "10:00:00", "paused", "ready", "ready", None),
    ("a1", "10:10:13", "ready", "reserve", "reserved", None),
    ("a1", "10:10:15", "reserved", "accept", "on_call", None),  # S5
    ("a1", "10:13:15", "on_call", "hangup", "wrap_up", None),
    ("a1", "10:14:00", "wrap_up", "wrapup_done", "ready", None),
    ("a1", "10:20:23", "ready", "reserve", "reserved", None),
    ("a1", "10:20:25", "reserved", "accept", "on_call", None),  # P2
    ("a1", "10:21:25", "on_call", "hangup", "wrap_up", None),
    ("a1", "10:21:45", "wrap_up", "wrapup_done", "ready", None),
    ("a1", "10:45:00", "ready", "logout", "logged_out", None),
    ("a2", "09:00:00", "logged_out", "login", "ready", None),
    ("a2", "09:10:03", "ready", "reserve", "reserved", None),
    ("a2", "09:10:05", "reserved", "accept", "on_call", None),  # P1
    ("a2", "09:15:05", "on_call", "hangup", "wrap_up", None),
    ("a2", "09:16:05", "wrap_up", "wrapup_done", "ready", None),
    ("a2", "09:20:28", "ready", "reserve", "reserved", None),
    ("a2", "09:20:30", "reserved", "accept", "on_call", None),  # S2
    ("a2", "09:22:00", "on_call", "pause", "on_call", "break"),  # remembered pause splits the call
    ("a2", "09:23:50", "on_call", "hangup", "wrap_up", None),
    ("a2", "09:24:30", "wrap_up", "wrapup_done", "paused", "break"),
    ("a2", "09:34:30", "paused", "ready", "ready", None),        # ...still ready at 11:00
]

# -- IVR question visits: (call_id, at, node, kind, no_match, no_input, end, day) ------------------------
VISITS = [
    ("S1", "09:04:40", "menu", "menu", "", 0, "matched", 2),
    ("S3", "09:39:40", "menu", "menu", "9", 0, "matched", 2),      # one wrong key, then right
    ("P1", "09:09:40", "menu", "menu", "7", 0, "to_agent", 2),     # pressed 0 after a wrong 7
    ("I2", "09:45:10", "menu", "menu", "7,8", 0, "hung_up", 2),
    ("I3", "10:05:10", "menu", "menu", "", 2, "silent", 2),        # two silences
    ("I4", "10:30:20", "account", "collect", "12", 1, "failed", 2),
    ("Y1", "09:00:10", "menu", "menu", "7", 0, "matched", 5),       # outside the period
]

# -- dial attempts: (campaign, outcome, count); one more "human" the day after is outside the period
DIALS = [("renewals", "human", 4), ("renewals", "machine", 2), ("renewals", "busy", 1),
         ("renewals", "no_answer", 2), ("renewals", "dropped", 1), ("winback", "human", 1),
         ("winback", "no_answer", 1)]


def _cdr_row(call_id, caller, started, *, ivr_flow="main", exit_node="queue", queue=None, agent=None,
             wait_s=None, talk_s=None, disposition="completed"):
    return dict(call_id=call_id, linked_id=None, direction="inbound", caller=caller, caller_name="",
                dialed="10000", started_at=started, answered_at=started, ended_at=started + timedelta(minutes=5),
                duration_s=300.0, ivr_flow=ivr_flow, ivr_path=f"welcome>{exit_node}" if ivr_flow else "",
                exit_node=exit_node, queue=queue, agent=agent, wait_s=wait_s, talk_s=talk_s,
                disposition=disposition, hangup_cause=16, hangup_cause_txt="Normal Clearing", digits=None,
                engine_node=None)


def _queue_rows(call_id, queue, entered, outcome, wait_s, agent):
    rows = [dict(call_id=call_id, queue=queue, event="enqueue", at=entered, priority=0)]
    done = entered + timedelta(seconds=wait_s)
    if call_id == "S2":  # offered to a1 first, who did not answer
        rows += [dict(call_id=call_id, queue=queue, event="offer", at=at("09:20:05"), agent_id="a1"),
                 dict(call_id=call_id, queue=queue, event="no_answer", at=at("09:20:25"), agent_id="a1",
                      reason="no_answer")]
    if outcome == "answer":
        rows.append(dict(call_id=call_id, queue=queue, event="offer", at=done - timedelta(seconds=2), agent_id=agent))
    rows.append(dict(call_id=call_id, queue=queue, event=outcome, at=done, wait_s=float(wait_s), agent_id=agent))
    return rows


def fixture_rows() -> dict:
    cdrs, queue_events = [], []
    for call_id, caller, queue, hms, outcome, wait_s, agent, talk_s in QUEUED:
        entered = at(hms)
        cdrs.append(_cdr_row(call_id, caller, entered - timedelta(seconds=30), queue=queue, agent=agent,
                             wait_s=float(wait_s), talk_s=None if talk_s is None else float(talk_s),
                             disposition="completed" if outcome == "answer" else "caller_hangup"))
        queue_events += _queue_rows(call_id, queue, entered, outcome, wait_s, agent)
    for call_id, caller, hms, flow, node, disposition, day in OTHER_CALLS:
        cdrs.append(_cdr_row(call_id, caller, at(hms, day), ivr_flow=flow, exit_node=node, disposition=disposition))
    defaults = dict(agent_id=None, priority=None, position=None, wait_s=None, talk_s=None, reason=None, data=None)
    queue_events = [{**defaults, **row, "event_id": f"q{i}"} for i, row in enumerate(queue_events)]
    states = [dict(event_id=f"s{i}", agent_id=a, at=at(hms), from_state=f, event=e, to_state=t, reason=r,
                   queue=None, call_id=None) for i, (a, hms, f, e, t, r) in enumerate(STATES)]
    dials, n = [], 0
    for campaign, outcome, count in DIALS + [("renewals", "human", 1)]:
        for _ in range(count):
            day = 3 if n == 12 else 2  # the 13th attempt is outside the period
            start = at("09:30:00", day) + timedelta(minutes=n)
            dials.append(dict(attempt_id=f"d{n}", campaign=campaign, lead_id=f"l{n}", number=f"555{n:04d}",
                              started_at=start, ended_at=start + timedelta(seconds=40), outcome=outcome))
            n += 1
    visits = [dict(visit_id=f"{call_id}:{n}", call_id=call_id, at=at(hms, day), flow="main", node=node, kind=kind,
                   tries=1 + len([k for k in no_match.split(",") if k]) + no_input, no_match=no_match,
                   no_input=no_input, end=end) for n, (call_id, hms, node, kind, no_match, no_input, end, day)
              in enumerate(VISITS)]
    return {cdr: cdrs, queue_log: queue_events, agent_state_log: states, dial_attempt: dials, ivr_visit: visits}


# -- databases ----------------------------------------------------------------------------------------
async def seed(engine: AsyncEngine) -> None:
    """Create the schema, insert every fixture row and the report indexes."""
    await create_schema(engine)
    async with engine.begin() as conn:
        for table, rows in fixture_rows().items():
            await conn.execute(insert(table), rows)
    await ensure_report_indexes(engine)
