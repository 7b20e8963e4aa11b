"""config/shifts.yaml: errors as file:line:col with a fix, and the expansion to agents per interval."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from acd.shifts import load_shifts, scheduled
from common.yamlconf import ConfigError

REPO = Path(__file__).resolve().parents[2]
QUEUES = ["billing", "faults", "complaints", "vip"]
MONDAY = date(2026, 3, 2)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shifts.yaml"
    path.write_text(text)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load_shifts(path, QUEUES)
    return str(err.value).splitlines()


def test_the_shipped_shift_file_loads_against_the_shipped_queues():
    shifts = load_shifts(REPO / "config/shifts.yaml", QUEUES)
    assert {s.name for s in shifts} >= {"early", "late"}


def test_schema_errors_point_at_the_line_and_column(tmp_path):
    path = write(tmp_path, """shifts:
  - name: early
    days: [mon, tue, thursday]
    start: "8:00"
    end: "16:00"
    agents: -1
    queues: [billing]
    lunch: 30
""")
    found = problems(path)
    assert any(line.startswith(f"{path}:3:") and "thursday" in line for line in found), found
    assert any(line.startswith(f"{path}:4:") and "8:00" in line for line in found), found
    assert any(line.startswith(f"{path}:6:") for line in found), found
    assert any(line.startswith(f"{path}:8:5:") and "lunch" in line for line in found), found
    assert all("; " in line for line in found)  # every issue carries its fix


def test_unknown_queue_names_the_closest_one_and_its_position(tmp_path):
    path = write(tmp_path, """shifts:
  - name: early
    days: [mon]
    start: "08:00"
    end: "16:00"
    agents: 3
    queues: [billing, falts]
  - name: early
    days: [tue]
    start: "09:00"
    end: "09:00"
    agents: 1
    queues: [vip]
""")
    assert problems(path) == [
        f"{path}:7:23: unknown queue 'falts'; did you mean 'faults'?",
        f"{path}:8:11: shift name 'early' is used twice (first as shift 1); give each shift its own name",
        f"{path}:11:10: shift 'early' starts and ends at 09:00; give an end time after the start "
        "(an earlier end runs past midnight)",
    ]


def test_yaml_syntax_error_reads_file_line_col(tmp_path):
    path = write(tmp_path, "shifts:\n  - name: [early\n")
    (line,) = problems(path)
    assert line.startswith(f"{path}:3:") and "YAML syntax error" in line


def shift_file(tmp_path: Path, body: str) -> list:
    return load_shifts(write(tmp_path, "shifts:\n" + body), QUEUES)


def test_two_overlapping_shifts_add_up_per_interval(tmp_path):
    shifts = shift_file(tmp_path, """  - {name: a, days: [mon], start: "08:00", end: "12:00", agents: 4, queues: [billing]}
  - {name: b, days: [mon], start: "10:00", end: "14:00", agents: 3, queues: [billing]}
""")
    slots = scheduled(shifts, MONDAY, "billing")
    assert slots[31] == 0 and slots[32] == 4 and slots[40] == 7 and slots[47] == 7 and slots[48] == 3
    assert slots[56] == 0 and sum(slots) == 4 * 16 + 3 * 16
    assert scheduled(shifts, MONDAY.replace(day=3), "billing") == [0.0] * 96  # Tuesday: nobody


def test_a_night_shift_runs_into_the_next_day(tmp_path):
    shifts = shift_file(tmp_path, """  - {name: night, days: [sun], start: "22:00", end: "06:00", agents: 2, queues: [faults]}
""")
    sunday, monday = scheduled(shifts, date(2026, 3, 1), "faults"), scheduled(shifts, MONDAY, "faults")
    assert sunday[88:] == [2.0] * 8 and sum(sunday) == 16
    assert monday[:24] == [2.0] * 24 and sum(monday) == 48


def test_partial_intervals_and_shared_queues_count_fractions(tmp_path):
    shifts = shift_file(tmp_path, """  - {name: odd, days: [mon], start: "08:10", end: "09:00", agents: 3, queues: [billing, vip]}
""")
    slots = scheduled(shifts, MONDAY, "billing")
    # 1.5 agents per queue; 08:00-08:15 covered 5 of 15 minutes
    assert slots[32] == pytest.approx(0.5) and slots[33] == pytest.approx(1.5) and slots[36] == 0
    assert scheduled(shifts, MONDAY, "faults") == [0.0] * 96
