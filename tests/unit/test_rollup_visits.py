"""Queue visits in the rollups: the raw report's definitions (cti/reports/traffic.py), thresholds kept
as counts, and the same figures whatever order a visit's rows and its CDR arrive in."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from cti.store.rollup import counts
from cti.store.rollup.buckets import QUARTER, US
from cti.store.rollup.deltas import Deltas
from cti.store.rollup.visits import TABLE, CallTalk, QueueRow, add_visits, book, figures

T = 1_793_610_000 * US  # 2026-11-02 09:00 UTC


def row(event: str, at_s: float, wait: float | None = None, talk: float | None = None, queue: str = "sales",
        call: str = "c1") -> QueueRow:
    return QueueRow(f"{call}-{event}-{at_s}", call, queue, event, T + round(at_s * US), wait, talk)


def test_an_answered_visit_counts_in_the_quarter_of_its_enqueue_with_its_wait_under_each_threshold():
    visit = figures([row("enqueue", 890), row("offer", 900), row("answer", 902, wait=12.0)], None)
    assert visit.entered_us == T + 890 * US  # 09:14:50: the 09:00 quarter, though answered at 09:15:02
    assert visit.sums["offered"] == visit.sums["answered"] == visit.sums["answered_timed"] == 1
    assert visit.sums["wait_us"] == 12 * US and "talk_us" not in visit.sums
    assert (visit.sums["ans_le_10"], visit.sums["ans_le_12"], visit.sums["ans_le_20"]) == (0, 1, 1)
    assert visit.max_wait == 12.0


def test_an_abandon_after_an_answer_is_not_an_abandon_and_a_short_abandon_is_under_its_threshold():
    answered = figures([row("enqueue", 0), row("answer", 5, wait=5.0), row("abandon", 9, wait=9.0)], None)
    assert (answered.sums["answered"], answered.sums["abandoned"]) == (1, 0)
    assert answered.max_wait == 9.0  # the longest wait of any row, as the raw query takes it
    short = figures([row("enqueue", 0), row("abandon", 3, wait=3.0)], None)
    assert (short.sums["abandoned"], short.sums["abn_le_3"], short.sums["abn_le_2"]) == (1, 1, 0)


def test_talk_comes_from_queue_log_else_from_the_cdr_of_the_same_queue_only():
    rows = [row("enqueue", 0), row("answer", 5, wait=5.0)]
    assert figures(rows, CallTalk("sales", 60.0)).sums["talk_us"] == 60 * US
    assert "talk_us" not in figures(rows, CallTalk("support", 60.0)).sums  # the CDR's last queue was another
    logged = rows + [row("complete", 70, talk=64.5)]
    assert figures(logged, CallTalk("sales", 60.0)).sums["talk_us"] == 64_500_000


def test_unknown_waits_satisfy_no_threshold_and_a_visit_without_enqueue_is_none():
    visit = figures([row("enqueue", 0), row("answer", 5)], None)
    assert visit.sums["answered"] == 1 and "answered_timed" not in visit.sums and visit.max_wait is None
    assert figures([row("answer", 5, wait=5.0)], None) is None


VISIT = [row("enqueue", 0), row("offer", 20), row("no_answer", 40), row("offer", 45), row("answer", 47, wait=47.0),
         row("enqueue", 300, queue="support"), row("abandon", 310, wait=10.0, queue="support")]


@given(st.randoms(use_true_random=False), st.integers(0, len(VISIT)))
def test_a_visit_gives_the_same_figures_whatever_order_its_rows_and_cdr_arrive_in(rng: random.Random, cdr_at: int):
    rows = VISIT[:]
    rng.shuffle(rows)
    deltas, seen, talks = Deltas(), [], {}
    for i, new in enumerate(rows + [None]):
        after_talks = {"c1": CallTalk("sales", 80.0)} if i >= cdr_at else {}
        after = seen + ([new] if new else [])
        add_visits(deltas, seen, after, talks, after_talks)
        seen, talks = after, after_talks
    scratch = Deltas()
    book(scratch, VISIT, {"c1": CallTalk("sales", 80.0)}, +1)
    assert deltas.rows(TABLE) == scratch.rows(TABLE)
    assert scratch.rows(TABLE)[(QUARTER, T // US, "sales")][0]["talk_us"] == 80 * US


def test_ivr_calls_count_by_exit_node_and_visits_by_node_with_their_wrong_keys():
    deltas = Deltas()
    call = dict(ivr_flow="main", queue=None, ivr_exit=None, disposition="caller_hangup", exit_node="menu",
                started_at=_dt(0))
    counts.book_cdr(deltas, call)
    counts.book_cdr(deltas, {**call, "ivr_flow": ""})  # no IVR: not counted
    counts.book_visit(deltas, dict(at=_dt(5), flow="main", node="menu", no_match="7,8", no_input=0, end="hung_up"))
    counts.book_dial(deltas, dict(started_at=_dt(9), campaign="renewals", outcome="busy"))
    assert deltas.rows("rollup_ivr_exit")[(QUARTER, T // US, "menu")][0] == {"calls": 1, "dropped": 1}
    assert deltas.rows("rollup_ivr_node")[(QUARTER, T // US, "main", "menu")][0] == {
        "visits": 1, "retried": 1, "hung_up": 1}
    assert sorted(k[-1] for k in deltas.rows("rollup_ivr_key") if k[0] == QUARTER) == ["7", "8"]
    assert deltas.rows("rollup_dial")[(QUARTER, T // US, "renewals", "busy")][0] == {"n": 1}


def _dt(seconds: int):
    from cti.store.rollup.buckets import from_us

    return from_us(T + seconds * US)
