"""QA scorecards in `hotline report`: evaluations, mean score and auto-fail rate per agent and queue.

The figures are those of `hotline qa report` (acd/qa_report.py: the latest evaluation of each call
and reviewer counts; auto-fails count as 0), over the calls started in the report's period and
narrowed by its --agent / --queue. Section means stay in `hotline qa report` (they depend on the
form). The section is None, and left out, when no call of the period was evaluated.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from acd.qa_report import summarize
from cti.reports.options import ReportOptions
from cti.store.qa import evaluation_rows

COLUMNS = ("key", "evaluations", "calls", "mean_score", "auto_fail_pct", "min_score", "max_score")


async def qa_section(conn: AsyncConnection, opts: ReportOptions) -> dict[str, list[dict[str, Any]]] | None:
    rows = [r for r in await evaluation_rows(conn, opts.start, opts.end)
            if (opts.agent is None or r.agent == opts.agent) and (opts.queue is None or r.queue == opts.queue)]
    if not rows:
        return None
    return {f"by_{by}": [{c: row[c] for c in COLUMNS} for row in summarize(rows, by)[0]] for by in ("agent", "queue")}


def qa_sections(report: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The CSV sections (`qa_by_agent`, `qa_by_queue`), none when nothing was evaluated."""
    return [(f"qa_{name}", rows) for name, rows in (report.get("qa") or {}).items()]


def qa_blocks(report: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]], tuple[str, ...]]]:
    """The table blocks of the plain-text report."""
    return [(f"QA scores {name.replace('_', ' ')}", rows, COLUMNS) for name, rows in (report.get("qa") or {}).items()]
