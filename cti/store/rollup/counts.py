"""IVR and dialer figures (pure): rows that add to their buckets on their own, with no neighbours.

Definitions as in the raw report (cti/reports/ivr.py, dialer.py):
- `rollup_ivr_exit` per exit node, calls that ran a flow (`ivr_flow` not ''): contained (no queue,
  ivr_exit self_service, or no ivr_exit and completed), to_queue, dropped (no queue, caller hung
  up), failed, to_agent_after_failures; bucket of started_at.
- `rollup_ivr_node` per (flow, node), ivr_visit rows: visits, retried (a wrong key or a silence),
  and how visits ended; `rollup_ivr_key` the wrong keys pressed (no_match split on ','); bucket of at.
- `rollup_dial` per (campaign, outcome), dial_attempt rows; bucket of started_at.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cti.store.rollup.buckets import to_us
from cti.store.rollup.deltas import Deltas

# cti.store.models COMPLETED / CALLER_HANGUP (not imported: this module stays free of SQLAlchemy)
COMPLETED, CALLER_HANGUP = "completed", "caller_hangup"
IVR_EXIT_COLUMNS = ("calls", "contained", "to_queue", "dropped", "failed", "to_agent_after_failures")
IVR_NODE_COLUMNS = ("visits", "retried", "failed", "silent", "to_agent", "hung_up")
N_COLUMNS = ("n",)

Row = Mapping[str, Any]


def book_cdr(deltas: Deltas, row: Row) -> None:
    if not row["ivr_flow"]:
        return
    no_queue, exit_ = row["queue"] is None, row.get("ivr_exit")
    served = exit_ == "self_service" or (exit_ is None and row["disposition"] == COMPLETED)
    figures = {"calls": 1, "contained": int(no_queue and served), "to_queue": int(not no_queue),
               "dropped": int(no_queue and row["disposition"] == CALLER_HANGUP), "failed": int(exit_ == "failed"),
               "to_agent_after_failures": int(exit_ == "to_agent_after_failures")}
    deltas.add_at("rollup_ivr_exit", to_us(row["started_at"]), (row["exit_node"],), figures)


def book_visit(deltas: Deltas, row: Row) -> None:
    at, rest, end = to_us(row["at"]), (row["flow"], row["node"]), row["end"]
    figures = {"visits": 1, "retried": int(row["no_match"] != "" or row["no_input"] > 0),
               **{column: int(end == column) for column in ("failed", "silent", "to_agent", "hung_up")}}
    deltas.add_at("rollup_ivr_node", at, rest, figures)
    if row["no_match"] != "":
        for key in row["no_match"].split(","):
            deltas.add_at("rollup_ivr_key", at, (*rest, key), {"n": 1})


def book_dial(deltas: Deltas, row: Row) -> None:
    deltas.add_at("rollup_dial", to_us(row["started_at"]), (row["campaign"], row["outcome"]), {"n": 1})
