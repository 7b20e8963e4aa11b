"""The simulator drives the real pacers: predictive must beat progressive and keep EVERY day under the cap.

Fixed seeds. The cap is checked per simulated day with no slack (the controller aims at 90% of
it and plans the rest of the day's budget with a margin; bench/dialer_simulate.py runs the big
5-100 agents x 0.15-0.6 answer-rate grid over 15-day runs). Short days make the test harder,
not easier: fewer live calls per day means a noisier daily rate.
"""

from __future__ import annotations

import json

import pytest

from cti.cli.main import main
from dialer.simulate import SimConfig, simulate

CAP = 0.03


@pytest.mark.parametrize(("agents", "answer_rate", "seed"), [(5, 0.15, 1), (5, 0.6, 2), (20, 0.15, 3),
                                                              (20, 0.6, 4)])
def test_no_simulated_day_ends_over_the_cap(agents: int, answer_rate: float, seed: int) -> None:
    config = SimConfig(agents=agents, answer_rate=answer_rate, machine_share=0.2, hours=3, days=2, seed=seed)
    predictive = simulate(config, ("predictive",))["predictive"]
    assert predictive.abandoned > 0  # it does use the room...
    assert [d.abandon_rate <= CAP for d in predictive.days] == [True, True]  # ...within the cap each day


@pytest.mark.parametrize(("agents", "hours"), [(5, 6), (50, 2)])
def test_predictive_beats_progressive_within_the_abandon_cap(agents: int, hours: float) -> None:
    config = SimConfig(agents=agents, answer_rate=0.3, machine_share=0.0, hours=hours, days=2, seed=7)
    results = simulate(config, ("progressive", "predictive"))
    progressive, predictive = results["progressive"], results["predictive"]
    assert progressive.abandoned == 0
    assert predictive.worst_day_abandon_rate <= CAP
    assert predictive.contacts_per_agent_hour >= 1.05 * progressive.contacts_per_agent_hour
    assert predictive.occupancy >= progressive.occupancy + 0.05
    assert predictive.mean_idle_s < progressive.mean_idle_s


def test_preview_never_abandons_and_is_the_least_busy() -> None:
    results = simulate(SimConfig(agents=5, hours=3, seed=1))
    assert results["preview"].abandon_rate == 0.0
    assert results["preview"].occupancy < results["progressive"].occupancy


def test_cli_json_totals_are_the_per_day_figures_added_up(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["dialer", "simulate", "--agents", "5", "--hours", "1.5", "--days", "3", "--seed", "2", "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"preview", "progressive", "predictive", "config", "definitions"}
    assert out["config"]["days"] == 3 and "live connects" in out["definitions"]["abandon_rate"]
    for mode in ("preview", "progressive", "predictive"):
        figures, days = out[mode], out[mode]["per_day"]
        assert len(days) == 3
        for key in ("dials", "connects", "abandons"):
            assert figures[key] == sum(d[key] for d in days)
        live = figures["connects"] + figures["abandons"]
        assert figures["abandon_rate"] == pytest.approx(figures["abandons"] / live, abs=1e-5)
        assert figures["worst_day_abandon_rate"] == max(d["abandon_rate"] for d in days)
        assert figures["contacts_per_agent_hour"] == pytest.approx(figures["connects"] / (5 * 1.5 * 3), abs=1e-3)
        assert 0 < figures["talk_share"] < figures["occupancy"] < 1
