"""The discrete-event simulation, driving the real Router, agrees with Erlang C and Erlang A.

Tolerances (absolute unless stated), the same for every case:
  service level (answered within 20 s / offered)   ±0.04
  ASA (mean wait of answered calls)                ±15% or ±3 s, whichever is wider
  abandonment rate (abandoned / offered)           ±0.01
  occupancy                                        ±0.02
Simulated hours are chosen so the simulation's own 95% batch-means half-width stays well
inside these. Checked over seeds 1-20 (`python bench/acd_simulate.py --seeds 20`): the worst
run used at most 0.73 of any tolerance (Erlang A abandonment with 10 agents); Erlang C ASA,
the noisiest figure (heavy-tailed waits), at most 0.58. Fixed seeds keep each run deterministic.
"""

from __future__ import annotations

import json

import pytest

from acd.simulate import SimConfig, format_result, simulate
from cti.cli.main import main

CASES = {
    # 75% occupancy, small team: Erlang C ASA 36.8 s, SL 74.0%
    "erlang_c_10_agents": SimConfig(agents=10, calls_per_hour=90, aht_s=300, hours=1500, seed=1),
    # 85% occupancy: Erlang C ASA 7.6 s, SL 88.5%
    "erlang_c_50_agents": SimConfig(agents=50, calls_per_hour=510, aht_s=300, hours=250, seed=1),
    # 83% offered load, mean patience 2 min: Erlang A abandonment 8.5%, SL 79.7%
    "erlang_a_10_agents": SimConfig(agents=10, calls_per_hour=100, aht_s=300, hours=300, patience_s=120, seed=1),
    # 90% offered load, mean patience 3 min: Erlang A abandonment 1.05%, SL 95.8%
    "erlang_a_100_agents": SimConfig(agents=100, calls_per_hour=1080, aht_s=300, hours=60, patience_s=180, seed=1),
}


@pytest.mark.parametrize("name", CASES)
def test_simulated_router_agrees_with_erlang(name):
    result = simulate(CASES[name])
    f = result.predicted
    report = format_result(result)
    assert f.model == ("erlang_a" if CASES[name].patience_s else "erlang_c")
    assert abs(result.service_level - f.service_level) <= 0.04, report
    assert abs(result.asa_s - f.asa_s) <= max(0.15 * f.asa_s, 3.0), report
    assert abs(result.abandon_rate - f.p_abandon) <= 0.01, report
    assert abs(result.occupancy - f.occupancy) <= 0.02, report
    assert result.offered > 15_000


def test_without_patience_every_caller_is_answered():
    result = simulate(SimConfig(agents=5, calls_per_hour=50, aht_s=300, hours=20, seed=3))
    assert result.abandoned == 0 and result.answered == result.offered > 0
    assert result.abandon_rate == 0.0


def test_wrapup_counts_as_busy_time_and_enters_erlang_as_handle_time():
    # occupancy = lambda·(talk + wrap-up)/agents whatever the distributions, when nobody abandons
    cfg = SimConfig(agents=8, calls_per_hour=80, aht_s=240, wrapup_s=60, hours=150, seed=2)
    result = simulate(cfg)
    assert result.predicted.load_erlangs == pytest.approx(80 / 3600 * 300)
    assert result.occupancy == pytest.approx(result.predicted.occupancy, abs=0.02)


def test_same_seed_same_figures():
    cfg = SimConfig(agents=4, calls_per_hour=40, aht_s=300, hours=5, patience_s=90, seed=11)
    assert simulate(cfg) == simulate(cfg)


def test_cli_simulate_prints_measured_beside_erlang_a(capsys):
    assert main(["acd", "simulate", "--agents", "5", "--calls-per-hour", "50", "--aht", "300", "--hours", "3",
                 "--patience", "120", "--seed", "4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["predicted"]["model"] == "erlang_a"
    assert out["measured"]["offered"] == out["measured"]["answered"] + out["measured"]["abandoned"]
    assert "answered within" in out["definitions"]["service_level"]


def test_cli_simulate_table_names_the_model(capsys):
    assert main(["acd", "simulate", "--agents", "3", "--calls-per-hour", "20", "--aht", "300", "--hours", "2"]) == 0
    assert "Erlang C" in capsys.readouterr().out


def test_cli_bench_runs_at_small_sizes(capsys):
    assert main(["acd", "bench", "--agents", "20,50", "--waiting", "30", "--skills", "5", "--rounds", "200",
                 "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["agents"], r["waiting"]) for r in rows] == [(20, 30), (50, 30)]
    assert all(r["overall"]["count"] > 0 and r["overall"]["p99_us"] >= r["overall"]["p50_us"] for r in rows)
