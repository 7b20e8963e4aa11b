"""The engine lease machine (common/lease.py): when an engine may act, on a clock the test moves."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.lease import TRANSITIONS, InvalidLeaseTransition, LeaseEvent, LeaseMachine, LeaseState, LeaseTiming

S, E = LeaseState, LeaseEvent
TIMING = LeaseTiming(lease_s=10.0, margin_s=2.0)  # acting stops 8 s after the last renewal was sent


def active_at(t: float, epoch: int = 3) -> LeaseMachine:
    m = LeaseMachine("a", TIMING)
    assert m.acquired(epoch, sent_at=t, now=t + 0.01) is S.ACTIVE
    return m


def machine_in(state: LeaseState) -> LeaseMachine:
    m = LeaseMachine("a", TIMING)
    if state is S.ACTIVE:
        m.acquired(1, 0.0, 0.0)
    elif state is S.LOST:
        m.acquired(1, 0.0, 0.0)
        m.expire_if_due(100.0)
    elif state is S.STOPPED:
        m.release()
    assert m.state is state
    return m


def test_standby_acquires_and_acts_until_lease_minus_margin_after_sending_the_acquire():
    m = LeaseMachine("a", TIMING)
    assert not m.may_act(0.0)
    assert m.acquired(7, sent_at=100.0, now=100.3) is S.ACTIVE
    assert (m.epoch, m.fence) == (7, "a@7")
    assert m.may_act(100.3) and m.may_act(107.99)
    assert not m.may_act(108.0)  # 100.0 (sent) + 10 - 2, whatever the reply's delay


def test_acquire_whose_reply_comes_after_its_safe_time_stays_standby():
    m = LeaseMachine("a", TIMING)
    assert m.acquired(7, sent_at=100.0, now=108.5) is S.STANDBY
    assert not m.may_act(108.5) and m.epoch is None


def test_renewal_moves_the_safe_time_from_when_it_was_sent():
    m = active_at(100.0)
    assert m.renewed(sent_at=102.0, now=103.5) is S.ACTIVE
    assert m.safe_until == 110.0
    assert m.may_act(109.9) and not m.may_act(110.0)


def test_a_slow_renewal_never_moves_the_safe_time_backwards():
    m = active_at(100.0)
    m.renewed(sent_at=106.0, now=106.1)  # safe until 114
    m.renewed(sent_at=105.0, now=106.2)  # an older renewal answered late
    assert m.safe_until == 114.0


def test_renewal_refused_because_another_epoch_holds_the_lease_is_lost_at_once():
    m = active_at(100.0, epoch=3)
    assert m.renew_refused("b", 4) is S.LOST
    assert not m.may_act(100.5)
    assert "b@4" in m.last_reason


def test_failed_renewals_keep_acting_only_until_the_safe_time_then_lost():
    m = active_at(100.0)
    assert m.renew_failed("connection refused", now=102.0) is S.ACTIVE
    assert m.renew_failed("timeout", now=104.0) is S.ACTIVE
    assert m.may_act(107.9)
    assert m.renew_failed("timeout", now=108.0) is S.LOST
    assert not m.may_act(108.0)


def test_timeout_without_any_renewal_is_lost_at_the_safe_time():
    m = active_at(100.0)
    assert m.expire_if_due(107.99) is S.ACTIVE
    assert m.expire_if_due(108.0) is S.LOST
    assert m.state is S.LOST


def test_a_renewal_answered_after_the_safe_time_does_not_revive_the_engine():
    m = active_at(100.0)
    assert m.renewed(sent_at=107.0, now=108.2) is S.LOST  # the database renewed, but we had to stop at 108
    assert not m.may_act(108.3)


def test_lost_is_terminal():
    m = active_at(100.0)
    m.expire_if_due(200.0)
    for call in (lambda: m.renewed(201.0, 201.1), lambda: m.acquired(9, 201.0, 201.1), m.release):
        with pytest.raises(InvalidLeaseTransition):
            call()
    assert not m.may_act(201.0)


def test_release_stops_an_active_or_standby_engine():
    assert active_at(100.0).release() is S.STOPPED
    assert LeaseMachine("b", TIMING).release() is S.STOPPED


def test_refused_acquire_keeps_standing_by():
    m = LeaseMachine("b", TIMING)
    assert m.refused("a", 3) is S.STANDBY
    assert m.acquire_failed("database down") is S.STANDBY
    assert not m.may_act(0.0)


@pytest.mark.parametrize("state,event", list(itertools.product(LeaseState, LeaseEvent)))
def test_every_pair_is_in_the_table_or_raises(state, event):
    m = machine_in(state)
    if (state, event) not in TRANSITIONS:
        with pytest.raises(InvalidLeaseTransition):
            m._fire(event, "test")
        assert m.state is state
    else:
        assert m._fire(event, "test") is TRANSITIONS[(state, event)]


def test_timing_rejects_a_margin_as_long_as_the_lease():
    with pytest.raises(ValueError):
        LeaseTiming(lease_s=5.0, margin_s=5.0)


_steps = st.lists(st.tuples(st.sampled_from(["renew_ok", "renew_fail", "refused", "tick"]),
                            st.floats(0.0, 6.0), st.floats(0.0, 3.0)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(_steps)
def test_never_acts_after_last_successful_send_plus_lease_minus_margin(steps):
    """Whatever the order of replies and delays, the engine never acts past (the send time of its
    last successful acquire/renewal + lease_s - margin_s): the database's expiry is later than that."""
    now, m = 0.0, active_at(0.0)
    last_ok_send = 0.0
    for kind, gap, delay in steps:
        if m.state is not S.ACTIVE:
            break
        now += gap
        sent = now
        now += delay
        if kind == "renew_ok":
            if m.renewed(sent, now) is S.ACTIVE:
                last_ok_send = max(last_ok_send, sent)
        elif kind == "renew_fail":
            m.renew_failed("x", now)
        elif kind == "refused":
            m.renew_refused("b", 9)
        else:
            m.expire_if_due(now)
        deadline = last_ok_send + TIMING.lease_s - TIMING.margin_s
        for t in (now, now + 0.5, now + 5.0):
            if m.may_act(t):
                assert t < deadline
