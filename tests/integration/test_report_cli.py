"""`hotline report` on the command line: JSON, CSV, table and PNG output from a seeded SQLite
file, and the errors an operator sees (data: tests/support/report_data.py)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from cti.cli.main import main
from cti.store import make_engine
from tests.support.report_data import seed


# -- the command ------------------------------------------------------------------------------------------
@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    import asyncio

    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"

    async def seed_file() -> None:
        engine = make_engine(url)
        await seed(engine)
        await engine.dispose()

    asyncio.run(seed_file())
    return url


PERIOD = ["--from", "2026-11-02T09:00", "--to", "2026-11-02T11:00:00+00:00"]


def test_cli_json_gives_one_object_per_queue_and_agent(sqlite_url, capsys):
    assert main(["report", "--db", sqlite_url, *PERIOD, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"queues", "agents", "intervals", "fcr", "ivr", "dialer"} <= set(report)
    assert set(report["queues"][0]) >= {"queue", "offered", "answered", "abandoned", "short_abandons",
                                        "service_level", "asa_s", "aht_s", "abandonment_rate", "max_wait_s"}
    assert set(report["agents"][0]) >= {"agent", "calls", "talk_s", "wrapup_s", "logged_in_s", "occupancy",
                                        "utilisation", "aht_s", "pause_s"}
    assert [a["agent"] for a in report["agents"]] == ["a1", "a2"]


def test_cli_csv_has_one_block_per_section(sqlite_url, tmp_path):
    out = tmp_path / "report.csv"
    assert main(["report", "--db", sqlite_url, *PERIOD, "--format", "csv", "-o", str(out)]) == 0
    blocks = {b.splitlines()[0]: b.splitlines()[1:] for b in out.read_text().strip().split("\n\n")}
    assert list(blocks) == ["# queues", "# agents", "# intervals", "# fcr", "# ivr", "# ivr_drop_out", "# ivr_struggle",
                           "# dialer", "# cases_by_category", "# cases_by_agent", "# csat_by_agent", "# csat_by_queue",
                           "# csat_by_campaign"]
    agents = list(csv.DictReader(io.StringIO("\n".join(blocks["# agents"]))))
    assert agents[0]["pause_s.lunch"] == "1800.0" and agents[1]["pause_s.lunch"] == "0.0"


def test_cli_table_and_png(sqlite_url, tmp_path, capsys):
    assert main(["report", "--db", sqlite_url, *PERIOD, "--interval", "15"]) == 0
    table = capsys.readouterr().out
    assert "Queues" in table and "sales" in table and "40.0%" in table  # sales SL
    png = tmp_path / "report.png"
    assert main(["report", "--db", sqlite_url, *PERIOD, "--format", "png", "-o", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_refuses_a_database_without_the_tables(tmp_path, capsys):
    assert main(["report", "--db", f"sqlite+aiosqlite:///{tmp_path}/empty.db"]) == 2
    assert "no cdr/queue_log/agent_state_log tables" in capsys.readouterr().err


def test_cli_rejects_a_bad_period(sqlite_url, capsys):
    assert main(["report", "--db", sqlite_url, "--from", "2026-11-02T11:00", "--to", "2026-11-02T09:00"]) == 2
    assert "must be after" in capsys.readouterr().err


# -- the rollups ------------------------------------------------------------------------------------------
def test_cli_rollup_rebuild_makes_reports_read_the_rollups_with_the_same_figures(sqlite_url, capsys):
    assert main(["rollup", "status", "--db", sqlite_url]) == 1  # the seed wrote raw rows only
    assert "lack rows of cdr, queue_log, agent_state_log, ivr_visit, dial_attempt" in capsys.readouterr().out
    assert main(["report", "--db", sqlite_url, *PERIOD, "--format", "json"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert before["source"]["queues"].startswith("raw rows: the rollups lack rows")
    assert main(["rollup", "rebuild", "--db", sqlite_url]) == 0
    assert "rebuilt 12 days" in capsys.readouterr().out
    assert main(["rollup", "status", "--db", sqlite_url]) == 0
    assert "rollups complete (days 2026-11-01 .. 2026-11-12)" in capsys.readouterr().out
    assert main(["report", "--db", sqlite_url, *PERIOD, "--format", "json"]) == 0
    after = json.loads(capsys.readouterr().out)
    assert set(after.pop("source").values()) == {"rollups"}
    assert after == {k: v for k, v in before.items() if k != "source"}
    assert main(["report", "--db", sqlite_url, *PERIOD, "--raw"]) == 0
    assert "Queues: figures from raw rows: asked for" in capsys.readouterr().out


def test_cli_rollup_rebuild_of_a_range_and_its_errors(sqlite_url, capsys):
    assert main(["rollup", "rebuild", "--db", sqlite_url, "--from", "2026-11-02T10:00", "--to", "2026-11-03"]) == 0
    out = capsys.readouterr().out
    assert "2026-11-02 rebuilt" in out and "rebuilt 1 days" in out and "marked complete" not in out
    assert main(["rollup", "rebuild", "--db", sqlite_url, "--from", "2026-11-03", "--to", "2026-11-02"]) == 2
    assert "--to must be after --from" in capsys.readouterr().err
    assert main(["rollup", "rebuild", "--db", sqlite_url, "--from", "yesterday"]) == 2
    assert "is not an ISO date/time" in capsys.readouterr().err
