"""The rollup tables (SQLAlchemy Core), added to the store's metadata: new tables only.

Each is keyed `(span, bucket, ...)`: `span` the grain in seconds (900, 3600, 86400), `bucket` its
start in epoch seconds (UTC). Text key parts are '' rather than NULL (a NULL never conflicts, so it
could not be upserted). On SQLite they are WITHOUT ROWID tables: rows are stored in key order,
and a report's range of buckets is one contiguous read. `rollup_mark` records, per raw table, the
highest id whose rows are in the rollups (see cti/store/rollup/marks.py).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Integer, String, Table

from cti.store.rollup import callers, counts, timeline, visits
from cti.store.schema import metadata

SQLITE = {"sqlite_with_rowid": False}


def _key(*names: tuple[str, int | None]) -> list[Column]:
    """The key columns: text of that length (0: unbounded, it copies a Text column), or None: an integer."""
    return [Column("span", Integer, primary_key=True), Column("bucket", BigInteger, primary_key=True),
            *(Column(name, Integer if length is None else String(length or None), primary_key=True)
              for name, length in names)]


def _sums(names: tuple[str, ...]) -> list[Column]:
    return [Column(name, BigInteger, nullable=False, default=0) for name in names]


rollup_queue = Table("rollup_queue", metadata, *_key(("queue", 80)), *_sums(visits.SUM_COLUMNS),
                     Column(visits.PEAK_COLUMN, Float), **SQLITE)
rollup_agent = Table("rollup_agent", metadata,
                     *_key(("agent_id", 80), ("state", 32), ("reason", 0), ("queue", 80)),
                     *_sums(timeline.SUM_COLUMNS), **SQLITE)
rollup_caller = Table("rollup_caller", metadata, *_key(("queue", 80)), *_sums(callers.SUM_COLUMNS), **SQLITE)
rollup_caller_gap = Table("rollup_caller_gap", metadata, *_key(("queue", 80), ("gap_days", None)),
                          *_sums(callers.GAP_COLUMNS), **SQLITE)
rollup_ivr_exit = Table("rollup_ivr_exit", metadata, *_key(("exit_node", 80)), *_sums(counts.IVR_EXIT_COLUMNS),
                        **SQLITE)
rollup_ivr_node = Table("rollup_ivr_node", metadata, *_key(("flow", 80), ("node", 120)),
                        *_sums(counts.IVR_NODE_COLUMNS), **SQLITE)
rollup_ivr_key = Table("rollup_ivr_key", metadata, *_key(("flow", 80), ("node", 120), ("key", 0)),
                       *_sums(counts.N_COLUMNS), **SQLITE)
rollup_dial = Table("rollup_dial", metadata, *_key(("campaign", 80), ("outcome", 16)), *_sums(counts.N_COLUMNS),
                    **SQLITE)
rollup_mark = Table("rollup_mark", metadata, Column("tbl", String(40), primary_key=True),
                    Column("max_id", BigInteger, nullable=False))

ROLLUPS: dict[str, Table] = {t.name: t for t in (rollup_queue, rollup_agent, rollup_caller, rollup_caller_gap,
                                                 rollup_ivr_exit, rollup_ivr_node, rollup_ivr_key, rollup_dial)}
# The raw tables the rollups are made from, whose highest ids `rollup_mark` records.
SOURCES = ("cdr", "queue_log", "agent_state_log", "ivr_visit", "dial_attempt")
