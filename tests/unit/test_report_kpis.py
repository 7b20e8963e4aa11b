"""The KPI arithmetic and the output formats, without a database."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from cti.reports import kpis, render
from cti.reports.dialer import dialer_rates
from cti.reports.options import ReportOptions, parse_time
from cti.reports.service import _floor


def counts(**kw):
    base = dict(offered=0, answered=0, abandoned=0, short_abandons=0, late_abandons=0, answered_in_sl=0,
                wait_sum=None)
    return {**base, **kw}


def test_short_abandons_leave_service_level_and_abandonment_rate():
    # 10 offered: 6 answered (4 within SL), 4 abandoned of which 2 short and 1 after SL
    row = kpis.traffic(counts(offered=10, answered=6, abandoned=4, short_abandons=2, late_abandons=1,
                              answered_in_sl=4, wait_sum=60.0))
    assert row["service_level"] == 0.5714                     # 4 / (6 + 1), 4 digits
    assert row["abandonment_rate"] == pytest.approx(0.25)     # (4 - 2) / (10 - 2)
    assert row["asa_s"] == 10.0


def test_empty_denominators_give_none_not_zero():
    row = kpis.traffic(counts(offered=1, abandoned=1, short_abandons=1))
    assert (row["service_level"], row["abandonment_rate"], row["asa_s"]) == (None, None, None)
    agent = kpis.agent_kpis("a9", 0, {"paused": 60.0}, {"lunch": 60.0})
    assert (agent["occupancy"], agent["utilisation"], agent["aht_s"]) == (None, 0.0, None)


def test_occupancy_excludes_paused_time_and_utilisation_does_not():
    agent = kpis.agent_kpis("a1", 2, {"ready": 300, "on_call": 400, "wrap_up": 100, "paused": 200,
                                      "logged_out": 999}, {"break": 200})
    assert agent["logged_in_s"] == 1000.0                         # logged_out not counted
    assert agent["occupancy"] == pytest.approx(500 / 800)
    assert agent["utilisation"] == pytest.approx(0.5)
    assert agent["aht_s"] == 250.0


def test_dialer_rates_count_dropped_calls_as_live_contacts():
    rates = dialer_rates("c", {"human": 6, "dropped": 2, "machine": 4, "busy": 3, "no_answer": 5})
    assert rates["attempts"] == 20 and rates["contacts"] == 8
    assert (rates["contact_rate"], rates["abandonment_rate"], rates["amd_rate"]) == (0.4, 0.25, 0.3333)


def test_interval_bounds_cover_the_period_exactly():
    nine, eleven = datetime(2026, 11, 2, 9, tzinfo=UTC), datetime(2026, 11, 2, 11, tzinfo=UTC)
    assert _floor(eleven, 1800, exclusive=True) == int(eleven.timestamp()) - 1800  # the last bucket is 10:30
    assert _floor(nine.replace(minute=7), 900) == int(nine.timestamp())


def test_options_refuse_bad_values_with_the_fix():
    with pytest.raises(ValueError, match="interval must be one of"):
        ReportOptions(interval_min=20)
    with pytest.raises(ValueError, match="ISO"):
        parse_time("yesterday")
    assert parse_time("2026-11-02T10:00+01:00") == datetime(2026, 11, 2, 9, tzinfo=UTC)
    assert parse_time("2026-11-02") == datetime(2026, 11, 2, tzinfo=UTC)


REPORT = {
    "period": {"from": None, "to": None, "queue": None, "agent": None, "interval_min": 30, "sl_seconds": 20,
               "short_abandon_s": 5},
    "queues": [{"queue": "sales", "offered": 3, "answered": 2, "abandoned": 1, "short_abandons": 0,
                "service_level": 0.5, "asa_s": 12.5, "aht_s": 200.0, "abandonment_rate": 0.3333, "max_wait_s": 30.0}],
    "agents": [{"agent": "a1", "calls": 2, "talk_s": 300.0, "wrapup_s": 20.0, "logged_in_s": 3600.0,
                "paused_s": 0.0, "occupancy": 0.09, "utilisation": 0.09, "aht_s": 160.0, "pause_s": {}},
               {"agent": "a2", "calls": 0, "talk_s": 0.0, "wrapup_s": 0.0, "logged_in_s": 600.0,
                "paused_s": 600.0, "occupancy": None, "utilisation": 0.0, "aht_s": None,
                "pause_s": {"lunch": 600.0}}],
    "intervals": [],
    "fcr": {"calls": 0, "callers": 0, "repeat_24h": 0, "repeat_7d": 0, "fcr_24h": None, "fcr_7d": None},
    "ivr": {"calls": 0, "contained": 0, "containment_rate": None, "to_queue": 0, "dropped": 0,
            "drop_out_rate": None, "failed": 0, "failed_rate": None, "to_agent_after_failures": 0, "drop_out": [],
            "struggle": []},
    "dialer": None,
}


def test_csv_flattens_pause_reasons_into_columns_and_skips_an_absent_dialer():
    text = render.to_csv(REPORT)
    assert "# dialer" not in text
    agents = text.split("# agents\n")[1].split("\n\n")[0].splitlines()
    assert agents[0].endswith(",pause_s.lunch") and agents[1].endswith(",0.0") and agents[2].endswith(",600.0")
    assert "# intervals\n\n" in text  # an empty section keeps its marker


def test_table_shows_ratios_as_percent_and_missing_values_as_dash():
    table = render.to_table(REPORT)
    assert "50.0%" in table and "33.3%" in table
    assert "no dial_attempt table" in table
    a2 = next(line for line in table.splitlines() if line.startswith("a2"))
    assert a2.split()[6] == "-"  # occupancy of an agent paused all along


def test_json_is_the_report_itself():
    assert json.loads(render.to_json(REPORT)) == REPORT
