"""Agent time and callers' repeat flags in the rollups: the windows of the theory of operation give,
batch by batch and in any arrival order, exactly the figures computed from all the rows at once."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cti.store.rollup import callers, timeline
from cti.store.rollup.buckets import QUARTER, US
from cti.store.rollup.deltas import Deltas
from cti.store.rollup.timeline import TABLE, Answer, StateRow, WindowNeed, bounds

T = 1_793_610_000 * US  # 2026-11-02 09:00 UTC
STATES = ("ready", "reserved", "on_call", "wrap_up", "paused", "logged_out")
EVENTS = ("login", "reserve", "accept", "hangup", "pause", "ready")


def _model_window(rows, answers, new_rows, new_answers):
    """What the writer's SQL fetches (cti/store/rollup/fetch.py), from an in-memory log."""
    old_rows = sorted(r.at_us for r in rows if r not in new_rows)
    old_answers = sorted(a.at_us for a in answers if a not in new_answers)
    need = WindowNeed.of([r.at_us for r in new_rows], [a.at_us for a in new_answers])
    p, s = bounds(need, old_rows, old_answers)
    window = sorted(r for r in rows if (p is None or r.at_us >= p) and (s is None or r.at_us <= s))
    if not window:
        return [], []
    first = window[0].at_us
    a0 = max((a.at_us for a in answers if a.at_us <= first and a.at_us < need.lo_us), default=None)
    labels = sorted(a for a in answers if (a0 is None or a.at_us >= a0) and (s is None or a.at_us <= s))
    return window, labels


@st.composite
def agent_logs(draw):
    """One agent's state rows and answers, in the order they reach the database, cut in batches."""
    times = st.integers(0, 8 * 3600).map(lambda s: T + s * US)  # a working day; ties happen
    rows = draw(st.lists(st.tuples(times, st.sampled_from(EVENTS), st.sampled_from(STATES),
                                   st.sampled_from((None, "lunch", "break"))), min_size=1, max_size=14))
    answers = draw(st.lists(st.tuples(times, st.sampled_from(("sales", "support"))), max_size=5))
    items = [("row", i, r) for i, r in enumerate(rows)] + [("answer", i, a) for i, a in enumerate(answers)]
    order = draw(st.permutations(items))
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(order) - 1)), max_size=len(order))))
    return order, cuts


def _arrive(order):
    """Records with the ids the database gives them in arrival order."""
    made = []
    for n, (kind, i, item) in enumerate(order, start=1):
        if kind == "row":
            at, event, state, reason = item
            made.append(StateRow(at, n, event, state, reason, f"s{i}"))
        else:
            made.append(Answer(item[0], n, item[1], f"a{i}"))
    return made


@settings(max_examples=300, deadline=None)
@given(agent_logs())
def test_agent_time_booked_batch_by_batch_in_any_order_equals_the_whole_log_at_once(log):
    order, cuts = log
    made = _arrive(order)
    deltas, rows, answers = Deltas(), [], []
    for lo, hi in zip([0, *cuts], [*cuts, len(made)]):
        batch = made[lo:hi]
        new_rows = [x for x in batch if isinstance(x, StateRow)]
        new_answers = [x for x in batch if isinstance(x, Answer)]
        rows, answers = rows + new_rows, answers + new_answers
        if batch:
            window, labels = _model_window(rows, answers, new_rows, new_answers)
            timeline.book_window(deltas, "a1", window, labels, {r.key for r in new_rows},
                                 {a.key for a in new_answers})
    scratch = Deltas()
    timeline.book(scratch, "a1", sorted(rows), sorted(answers), +1)
    assert deltas.rows(TABLE) == scratch.rows(TABLE)


def _book_in_batches(made, batches):
    deltas, rows, answers = Deltas(), [], []
    for batch in batches:
        new_rows = [made[i] for i in batch if isinstance(made[i], StateRow)]
        new_answers = [made[i] for i in batch if isinstance(made[i], Answer)]
        rows, answers = rows + new_rows, answers + new_answers
        window, labels = _model_window(rows, answers, new_rows, new_answers)
        timeline.book_window(deltas, "a1", window, labels, {r.key for r in new_rows}, {a.key for a in new_answers})
    return deltas


def test_an_answer_written_after_the_wrap_up_moves_the_wrap_up_to_its_queue():
    made = [StateRow(T, 1, "accept", "on_call", key="s1"), StateRow(T + 60 * US, 2, "hangup", "wrap_up", key="s2"),
            StateRow(T + 90 * US, 3, "wrapup_done", "ready", key="s3"), StateRow(T + 600 * US, 4, "x", "ready", key="s4"),
            Answer(T, 5, "support", key="a1")]
    rows = _book_in_batches(made, [[0, 1, 2, 3], [4]]).rows(TABLE)  # the answer arrives last
    quarter = (QUARTER, T // US, "a1")
    assert rows[(*quarter, "wrap_up", "", "support")][0] == {"us": 30 * US}
    assert (*quarter, "wrap_up", "", "") not in rows  # booked unattributed first, then moved
    assert rows[(*quarter, "on_call", "", "")][0] == {"us": 60 * US, "accepts": 1}


def test_logged_out_time_is_not_kept_and_the_last_row_stays_open():
    made = [StateRow(T, 1, "login", "ready", key="s1"), StateRow(T + 60 * US, 2, "logout", "logged_out", key="s2"),
            StateRow(T + 7200 * US, 3, "login", "paused", "lunch", key="s3")]
    rows = _book_in_batches(made, [[2], [0], [1]]).rows(TABLE)
    assert {k[3:]: v[0] for k, v in rows.items() if k[0] == QUARTER} == {("ready", "", ""): {"us": 60 * US}}


# -- callers -------------------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 250).map(lambda d: T + d * 43_200 * US + (d % 3) * US), min_size=1, max_size=10),
       st.randoms(use_true_random=False))
def test_repeat_flags_and_gaps_booked_call_by_call_in_any_order_equal_all_calls_at_once(times, rng):
    """Calls half a day apart over 125 days (and a microsecond off, so that gaps of exactly 24 h and
    7 d occur, and gaps past GAP_DAYS)."""
    order = list(range(len(times)))
    rng.shuffle(order)
    deltas, present = Deltas(), []
    for n, i in enumerate(order, start=1):
        new = callers.Call(times[i], n, "sales" if i % 2 else "", f"c{i}")
        present.append(new)
        lo, hi = new.started_us - callers.REACH_US, new.started_us + callers.REACH_US
        callers.book_window(deltas, sorted(c for c in present if lo <= c.started_us <= hi), {new.key})
    scratch = Deltas()
    callers.book(scratch, sorted(present), +1)
    assert deltas.rows(callers.TABLE) == scratch.rows(callers.TABLE)
    assert deltas.rows(callers.GAP_TABLE) == scratch.rows(callers.GAP_TABLE)


def test_a_call_back_exactly_24_hours_later_is_a_repeat_within_24_hours():
    deltas = Deltas()
    callers.book(deltas, [callers.Call(T, 1, "sales"), callers.Call(T + callers.DAY_US, 2, "sales"),
                          callers.Call(T + callers.DAY_US + callers.WEEK_US + 1, 3, "sales")], +1)
    days = {k[1]: v[0] for k, v in deltas.rows(callers.TABLE).items() if k[0] == 86400}
    monday = T // US - 9 * 3600
    assert days[monday] == {"calls": 1, "repeat_24h": 1, "repeat_7d": 1}
    assert days[monday + 86400] == {"calls": 1}  # its next is 7 d and 1 µs later
    gaps = {k[1:]: v[0] for k, v in deltas.rows(callers.GAP_TABLE).items()}
    assert gaps == {(monday, "sales", callers.GAP_DAYS): {"n_all": 1, "n_queue": 1},  # no previous call
                    (monday + 86400, "sales", 1): {"n_all": 1, "n_queue": 1},
                    (monday + 8 * 86400, "sales", 7): {"n_all": 1, "n_queue": 1}}
