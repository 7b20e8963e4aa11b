"""The per-day abandonment controller and the predictive pacer's use of it, on crafted days."""

from __future__ import annotations

import pytest

from dialer.abandon import AbandonController
from dialer.pacing import PacingState, PredictivePacer, ProgressivePacer

CAP = 0.03
# Two ready agents and eighteen on calls: progressive dials 2, predictive (with room) more.
BUSY_TEAM = PacingState(agents_ready=2, talk_elapsed_s=(60.0,) * 18)


def day(abandons: int, live: int, **kwargs: float) -> AbandonController:
    controller = AbandonController(CAP, **kwargs)
    for i in range(live):
        controller.observe_live(i < abandons)
    return controller


def test_no_dialing_beyond_progressive_when_the_days_budget_is_spent() -> None:
    at_cap = day(abandons=12, live=200)  # 6%: with 200 more calls to come the day ends at 3%
    assert at_cap.budget == pytest.approx(0.0) and at_cap.hard_stop and at_cap.aggressiveness == 0.0
    pacer = PredictivePacer(controller=at_cap)
    assert pacer.lines_to_dial(BUSY_TEAM, 0.0) == ProgressivePacer().lines_to_dial(BUSY_TEAM, 0.0) == 2


def test_dials_more_lines_when_the_day_has_room_left_under_the_cap() -> None:
    calm = PredictivePacer(controller=day(abandons=0, live=400))
    spent = PredictivePacer(controller=day(abandons=11, live=400))  # 2.75%: little room left
    assert not spent.controller.hard_stop
    assert calm.lines_to_dial(BUSY_TEAM, 0.0) > spent.lines_to_dial(BUSY_TEAM, 0.0) >= 2


def test_room_shrinks_as_the_budget_is_spent_and_never_exceeds_the_cap() -> None:
    rooms = [day(abandons=a, live=1000).room for a in (0, 10, 20, 29)]
    assert rooms == sorted(rooms, reverse=True)
    assert all(0.0 <= r for r in rooms) and rooms[0] > CAP  # a calm day may aim above the cap...
    assert day(abandons=0, live=1000).aim == pytest.approx(0.97 * CAP)  # ...but aims at the target
    assert day(abandons=36, live=1000).room == 0.0  # budget for 1000 + 200 live calls is spent


def test_with_no_data_the_pacer_runs_on_its_priors_and_dials_ahead() -> None:
    pacer = PredictivePacer()
    assert pacer.model(0.0).q == pytest.approx(0.3 * 0.7)  # campaign priors: answer x live rate
    assert pacer.controller.live == 0 and not pacer.controller.hard_stop
    assert 0.0 < pacer.controller.aggressiveness
    five_ready = PacingState(agents_ready=5, talk_elapsed_s=(30.0,) * 15)
    assert pacer.lines_to_dial(five_ready, 0.0) > 5  # about one live call per ready agent


def test_early_in_the_day_the_aim_is_cautious_and_grows_with_calm_connects() -> None:
    aims = [day(abandons=0, live=n).aim for n in (0, 50, 150)]
    assert aims[0] < aims[1] < aims[2] <= 0.97 * CAP


def test_an_early_abandon_above_the_cap_does_not_stop_a_day_with_calls_to_come() -> None:
    early = day(abandons=1, live=10)  # 10% so far, but thousands of live calls still to come
    early.plan(3000.0)
    assert not early.hard_stop and early.aggressiveness > 0.0
    early.plan(0.0)  # the day is over: 1 abandon in 10 is past the cap
    assert early.hard_stop


def test_a_new_day_clears_the_count_but_keeps_the_calibration() -> None:
    controller = day(abandons=15, live=250)
    assert controller.hard_stop
    controller.start_day()
    assert controller.live == controller.abandons == 0 and not controller.hard_stop
    assert controller.horizon == 250  # yesterday's volume: the day may still hold that many calls
    fresh = AbandonController(CAP)
    assert controller.aggressiveness < fresh.aggressiveness  # the abandons taught it caution


def test_each_abandon_lowers_and_each_connect_raises_the_calibration() -> None:
    controller = day(abandons=0, live=300)
    before = controller.aggressiveness
    controller.observe_live(True)
    after_abandon = controller.aggressiveness
    controller.observe_live(False)
    assert after_abandon < before and controller.aggressiveness > after_abandon


def test_the_live_shell_starts_a_new_pacing_day_when_the_campaigns_date_changes(tmp_path) -> None:
    from datetime import datetime, timezone

    from cti.services.dialer_models import CampaignRun
    from dialer.campaign import load_campaign
    from dialer.hopper import Hopper

    path = tmp_path / "c.yaml"
    path.write_text("name: c\nkind: survey\nqueue: q\ncaller_id: '+861000'\nsafe_harbor_prompt: p\n"
                    "default_timezone: Asia/Shanghai\n", encoding="utf-8")
    campaign, pacer = load_campaign(path), PredictivePacer()
    run = CampaignRun(campaign, Hopper(campaign), pacer, pacer.stats)
    run.roll_day(datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc))  # 23:00 in Shanghai
    for _ in range(40):
        pacer.observe_live(True)
    run.roll_day(datetime(2026, 3, 2, 15, 59, tzinfo=timezone.utc))  # same local day
    assert pacer.controller.abandons == 40
    run.roll_day(datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc))  # midnight there
    assert pacer.controller.abandons == pacer.controller.live == 0
