"""Customer satisfaction (CSAT) in `hotline report`: survey answers by agent and by queue.

One row per (agent or queue, survey question), over the survey_answer rows of the period (their
`at`: when the question was put). A question put to a caller is `offered`; figures:

- offered        questions put (one per surveyed call: the answer key is `<call id>:<question>`)
- answered       answered with a key in 1..scale; no_answer / invalid / hung_up count the others
- response_pct   answered / offered, 0-100
- mean_score     mean of the answered scores (unanswered questions are not scores: never 0)
- csat_pct       satisfied / answered, 0-100, where satisfied is, by the question's scale:
                 4 or more keys: the top two boxes (4 and 5 of 5: the usual CSAT "top-2-box");
                 3 keys: the top box (3); 2 keys: a yes/no question, 1 = yes (`satisfied`)
Outbound survey campaigns have no queue or agent: they appear under "-" (and by campaign in
`by_campaign`). The database returns a histogram (group, question, scale, status, score ->
count); the arithmetic is `csat_figures`, pure. None on a database without the table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import and_, func, inspect, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from cti.reports.options import ReportOptions
from cti.store.quality_schema import survey_answer

S = survey_answer.c
COLUMNS = ("key", "question", "scale", "offered", "answered", "no_answer", "invalid", "hung_up", "response_pct",
           "mean_score", "csat_pct")
GROUPS = {"by_agent": S.agent, "by_queue": S.queue, "by_campaign": S.campaign}


def satisfied(score: int, scale: int) -> bool:
    """The CSAT definition per scale (see the module docstring)."""
    if scale >= 4:
        return score >= scale - 1
    if scale == 3:
        return score == 3
    return score == 1  # yes/no: 1 = yes


def csat_figures(key: str, question: str, scale: int, counts: Mapping[tuple[str, int | None], int]) -> dict[str, Any]:
    """One report row from the counts of (status, score) of one group's question."""
    by_status: dict[str, int] = defaultdict(int)
    for (status, _), n in counts.items():
        by_status[status] += n
    scores = [(score, n) for (status, score), n in counts.items() if status == "answered" and score is not None]
    offered, answered = sum(by_status.values()), sum(n for _, n in scores)
    return {"key": key, "question": question, "scale": scale, "offered": offered, "answered": answered,
            "no_answer": by_status["no_answer"], "invalid": by_status["invalid"], "hung_up": by_status["hung_up"],
            "response_pct": _pct(answered, offered),
            "mean_score": round(sum(s * n for s, n in scores) / answered, 2) if answered else None,
            "csat_pct": _pct(sum(n for s, n in scores if satisfied(s, scale)), answered)}


def csat_rows(histogram: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows (key, question, scale, status, score, n) -> one figures row per (key, question, scale)."""
    groups: dict[tuple[str, str, int], dict[tuple[str, int | None], int]] = defaultdict(lambda: defaultdict(int))
    for row in histogram:
        key = "-" if row["key"] is None else str(row["key"])
        groups[(key, str(row["question"]), int(row["scale"]))][(str(row["status"]), row["score"])] += int(row["n"])
    return [csat_figures(key, question, scale, counts) for (key, question, scale), counts in sorted(groups.items())]


async def csat_section(conn: AsyncConnection, opts: ReportOptions) -> dict[str, list[dict[str, Any]]] | None:
    if not await conn.run_sync(lambda sync: inspect(sync).has_table(survey_answer.name)):
        return None
    section = {}
    for name, key in GROUPS.items():
        query = select(key.label("key"), S.question, S.scale, S.status, S.score, func.count().label("n")) \
            .where(_filters(opts)).group_by(key, S.question, S.scale, S.status, S.score)
        section[name] = csat_rows((await conn.execute(query)).mappings())
    section["by_campaign"] = [r for r in section["by_campaign"] if r["key"] != "-"]
    return section


def _filters(opts: ReportOptions):
    return and_(true(), *([S.at >= opts.start] if opts.start else []), *([S.at < opts.end] if opts.end else []),
                *([S.queue == opts.queue] if opts.queue else []), *([S.agent == opts.agent] if opts.agent else []))


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def csat_sections(report: Mapping[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The CSV sections (`csat_by_agent`, `csat_by_queue`, `csat_by_campaign`)."""
    csat = report.get("csat")
    return [(f"csat_{name}", rows) for name, rows in csat.items()] if csat else []


def csat_blocks(report: Mapping[str, Any]) -> list[tuple[str, list[dict[str, Any]], tuple[str, ...]]]:
    """The table blocks of the plain-text report."""
    return [(f"CSAT {name.replace('_', ' ')} (survey answers)", rows, COLUMNS)
            for name, rows in (report.get("csat") or {}).items()]
