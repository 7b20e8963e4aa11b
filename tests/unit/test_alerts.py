"""Volume alert decisions: (figures, rules, now) -> raised/cleared events, with hysteresis and holds."""

from __future__ import annotations

from acd.alert_state import Change
from acd.alert_text import messages
from acd.alerts import AlertBook, AlertKind, Figures, Rule

K = AlertKind
WAITING = Rule(K.WAITING_CALLS, raise_at=5, clear_at=2, clear_after_s=30)
SL = Rule(K.SERVICE_LEVEL, raise_at=70, clear_at=78, window_min=15, min_calls=10)
READY = Rule(K.READY_AGENTS, raise_at=0, clear_at=1, raise_after_s=60)


def figures(waiting: int = 0, *, sl: tuple[float | None, int] = (None, 0), ready: int = 2,
            staffed: int = 3, longest: float = 0.0) -> Figures:
    return Figures("billing", waiting, longest, ready, staffed, {15: sl})


def changes(book: AlertBook, series: list[tuple[float, Figures]], rules: tuple[Rule, ...]) -> list[tuple]:
    return [(now, e.kind, e.change, e.value) for now, f in series for e in book.evaluate(f, rules, now)]


def test_waiting_count_bobbing_at_the_threshold_raises_once_and_does_not_flap() -> None:
    series = [(t, figures(w)) for t, w in enumerate([3, 4, 5, 4, 5, 6, 5, 4, 3, 5, 4, 3], start=100)]
    assert changes(AlertBook(), series, (WAITING,)) == [(102, K.WAITING_CALLS, Change.RAISED, 5.0)]


def test_a_raised_alert_clears_only_after_the_clear_level_has_held_for_clear_after_s() -> None:
    book = AlertBook()
    series = [(100, figures(6)), (110, figures(2)), (130, figures(3)),  # back in the band: hold restarts
              (131, figures(1)), (160, figures(0)), (161, figures(2))]
    assert changes(book, series, (WAITING,)) == [(100, K.WAITING_CALLS, Change.RAISED, 6.0),
                                                 (161, K.WAITING_CALLS, Change.CLEARED, 2.0)]
    assert book.active() == []


def test_a_breach_shorter_than_raise_after_s_raises_nothing() -> None:
    series = [(100, figures(ready=0)), (159, figures(ready=0)), (160, figures(ready=1)),
              (200, figures(ready=0)), (260, figures(ready=0))]
    assert changes(AlertBook(), series, (READY,)) == [(260, K.READY_AGENTS, Change.RAISED, 0.0)]


def test_ready_agents_say_nothing_while_nobody_serving_the_queue_is_logged_in() -> None:
    series = [(100, figures(ready=0, staffed=0)), (1000, figures(ready=0, staffed=0))]
    assert changes(AlertBook(), series, (READY,)) == []


def test_service_level_needs_min_calls_finished_in_the_window_before_it_can_raise() -> None:
    series = [(100, figures(sl=(0.0, 9))), (101, figures(sl=(60.0, 10))), (102, figures(sl=(75.0, 12))),
              (103, figures(sl=(78.0, 12))), (104, figures(sl=(None, 0)))]  # 78 = clear level, held 0 s
    rule = Rule(K.SERVICE_LEVEL, raise_at=70, clear_at=78, window_min=15, min_calls=10)
    assert changes(AlertBook(), series, (rule,)) == [(101, K.SERVICE_LEVEL, Change.RAISED, 60.0),
                                                     (103, K.SERVICE_LEVEL, Change.CLEARED, 78.0)]


def test_removing_a_rule_clears_its_alert_and_forgets_it() -> None:
    book = AlertBook()
    book.evaluate(figures(7), (WAITING,), 100.0)
    [event] = book.reset_missing({"billing": (SL,)}, 105.0)
    assert (event.kind, event.change, event.reason, event.raised_at) == (K.WAITING_CALLS, Change.CLEARED, "reset", 100.0)
    assert book.reset_missing({}, 106.0) == [] and book.tracks == {}


def test_active_lists_alerts_up_with_their_raise_time_and_latest_value() -> None:
    book = AlertBook()
    book.evaluate(figures(6), (WAITING,), 100.0)
    book.evaluate(figures(9), (WAITING,), 104.0)
    book.evaluate(figures(1), (WAITING,), 110.0)  # clearing, not yet cleared: still shown
    [alert] = book.active()
    assert (alert.queue, alert.kind, alert.value, alert.raised_at, alert.threshold) == ("billing", K.WAITING_CALLS, 1.0, 100.0, 5)


def test_messages_are_in_english_and_chinese() -> None:
    [event] = AlertBook().evaluate(figures(sl=(62.5, 20)), (SL,), 100.0)
    assert messages(event) == {
        "en": "queue billing: warning raised: service level 62.5% over the last 15 min (alert at 70%, clears at 78%)",
        "zh": "队列 billing：预警（警告）：近 15 分钟服务水平 62.5%（预警阈值 70%，恢复阈值 78%）"}
