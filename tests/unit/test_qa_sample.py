"""The QA sample's pure parts: ISO weeks, the keyed-hash draw (deterministic, order-free, N per
agent), and the report's figures (latest evaluation per call and reviewer)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acd.qa_report import Evaluated, latest, summarize
from acd.qa_sample import RandomSample, iso_week, rank, week_of


def test_iso_week_is_monday_to_monday_utc() -> None:
    assert iso_week("2026-W48") == (datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC))
    assert iso_week("2026-W01")[0] == datetime(2025, 12, 29, tzinfo=UTC)  # ISO week 1 holds 1 January
    assert week_of(datetime(2026, 11, 29, 23, 59, tzinfo=UTC)) == "2026-W48"
    for bad in ("2026-48", "2026-W54", "2026-W00", "W48"):
        with pytest.raises(ValueError, match="write e.g. 2026-W48"):
            iso_week(bad)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a1", "a2", "a3"]), st.uuids().map(str)), unique_by=lambda c: c[1],
                max_size=60), st.integers(0, 6), st.randoms())
def test_draw_is_the_n_lowest_ranks_per_agent_whatever_the_order(calls, n, rnd) -> None:
    first, second = RandomSample("2026-W48", n), RandomSample("2026-W48", n)
    for agent, call in calls:
        first.feed(agent, call)
    shuffled = list(calls)
    rnd.shuffle(shuffled)
    for agent, call in shuffled:
        second.feed(agent, call)
    assert first.picked() == second.picked()
    for agent, picked in first.picked().items():
        mine = sorted((c for a, c in calls if a == agent), key=lambda c: rank("2026-W48", c))
        assert picked == mine[:n]


def test_another_seed_draws_another_sample() -> None:
    calls = [f"call-{i}" for i in range(200)]
    draws = []
    for seed in ("2026-W48", "2026-W48", "other"):
        sample = RandomSample(seed, 5)
        for call in random.sample(calls, len(calls)):
            sample.feed("a1", call)
        draws.append(sample.picked()["a1"])
    assert draws[0] == draws[1] != draws[2] and len(draws[0]) == 5


T = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def ev(id_: int, call: str, reviewer: str, agent: str, score: float, *, failed=False, minutes=0, sections=None):
    return Evaluated(id=id_, call_id=call, reviewer=reviewer, agent=agent, queue="billing", call_started_at=T,
                     at=T.replace(hour=12, minute=minutes), score=score, auto_failed=failed,
                     sections=sections or {})


def test_report_keeps_the_latest_evaluation_per_call_and_reviewer() -> None:
    rows = [ev(1, "c1", "qa1", "a1", 50, minutes=0), ev(2, "c1", "qa1", "a1", 70, minutes=5),
            ev(3, "c1", "qa2", "a1", 90), ev(4, "c2", "qa1", "a2", 0, failed=True, sections={"s": 40.0})]
    assert sorted(r.id for r in latest(rows)) == [2, 3, 4]
    table, sections = summarize(rows, "agent")
    assert sections == ["s"]
    assert table[0] == {"key": "a1", "evaluations": 2, "calls": 1, "mean_score": 80.0, "auto_fail_pct": 0.0,
                        "min_score": 70, "max_score": 90, "s": None}
    assert table[-1]["key"] == "ALL" and table[-1]["mean_score"] == 53.3 and table[-1]["auto_fail_pct"] == 33.3
