"""The admission policy (cti.calls.admission): which new inbound calls are served under load."""

from __future__ import annotations

from hypothesis import given, strategies as st

from cti.calls.admission import Admission, AdmissionLimits, Refusal


def test_no_limits_admit_every_call():
    admission = Admission(AdmissionLimits())
    assert all(admission.decide(active=10_000, now=0.0) is None for _ in range(1000))


def test_a_call_over_max_calls_is_refused_and_counted():
    admission = Admission(AdmissionLimits(max_calls=2))
    assert admission.decide(active=0, now=0.0) is None
    assert admission.decide(active=1, now=0.0) is None
    assert admission.decide(active=2, now=0.0) == Refusal.MAX_CALLS
    assert admission.refused[Refusal.MAX_CALLS] == 1


def test_a_call_is_admitted_again_once_a_call_in_progress_ends():
    admission = Admission(AdmissionLimits(max_calls=2))
    assert admission.decide(active=2, now=0.0) == Refusal.MAX_CALLS
    assert admission.decide(active=1, now=0.1) is None


def test_rate_limit_takes_a_burst_then_one_call_per_token():
    admission = Admission(AdmissionLimits(max_new_per_s=10, burst=3))
    assert [admission.decide(0, 0.0) for _ in range(4)] == [None, None, None, Refusal.RATE]
    assert admission.decide(0, 0.05) == Refusal.RATE  # half a token
    assert admission.decide(0, 0.1) is None  # one token refilled after 0.1 s


def test_the_bucket_never_holds_more_than_its_burst_after_a_quiet_hour():
    admission = Admission(AdmissionLimits(max_new_per_s=5, burst=2))
    admission.decide(0, 0.0)
    decisions = [admission.decide(0, 3600.0) for _ in range(3)]
    assert decisions == [None, None, Refusal.RATE]


def test_default_burst_is_one_second_of_calls():
    admission = Admission(AdmissionLimits(max_new_per_s=4))
    assert [admission.decide(0, 0.0) for _ in range(5)].count(None) == 4


def test_a_refused_call_uses_no_token():
    admission = Admission(AdmissionLimits(max_calls=1, max_new_per_s=1, burst=1))
    assert admission.decide(active=1, now=0.0) == Refusal.MAX_CALLS
    assert admission.decide(active=0, now=0.0) is None  # the token was still there


def test_a_clock_going_backwards_adds_no_tokens():
    admission = Admission(AdmissionLimits(max_new_per_s=10, burst=1))
    assert admission.decide(0, 5.0) is None
    assert admission.decide(0, 4.0) == Refusal.RATE
    assert admission.decide(0, 5.05) == Refusal.RATE


@given(rate=st.floats(1, 200), burst=st.integers(1, 50),
       gaps=st.lists(st.floats(0, 0.5), min_size=1, max_size=300))
def test_admitted_calls_never_exceed_burst_plus_rate_times_elapsed(rate, burst, gaps):
    admission = Admission(AdmissionLimits(max_new_per_s=rate, burst=burst))
    now, admitted = 0.0, 0
    for gap in gaps:
        now += gap
        admitted += admission.decide(0, now) is None
    assert admitted <= burst + rate * now + 1e-6
