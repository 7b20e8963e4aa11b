"""`hotline cdr` reads back what the writer stored (real SQLite file)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from cti.cli.main import main
from cti.store import CdrRecord, create_schema, insert_ignore, cdr, make_engine

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


async def _seed(url: str) -> None:
    engine = make_engine(url)
    await create_schema(engine)
    rows = [CdrRecord(call_id=f"c{i}", caller=f"555000{i}", dialed="10000", started_at=T0 + timedelta(minutes=i),
                      ivr_path="welcome>menu", disposition="completed").to_row() for i in range(3)]
    async with engine.begin() as conn:
        await insert_ignore(conn, cdr, rows)
    await engine.dispose()


async def test_latest_records_are_listed_oldest_first(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/cdr.db"
    await _seed(url)
    from cti.cli.cdr import show_latest

    lines = await show_latest(url, 2)
    assert lines[0].split()[:3] == ["started_at", "caller", "dialed"]
    assert [line.split()[1] for line in lines[1:]] == ["5550001", "5550002"]
    as_json = await show_latest(url, 1, as_json=True)
    assert json.loads(as_json[0])["call_id"] == "c2"


def test_cli_prints_the_table(tmp_path, capsys):
    import asyncio

    url = f"sqlite+aiosqlite:///{tmp_path}/cdr.db"
    asyncio.run(_seed(url))
    assert main(["cdr", "--db", url, "--last", "3", "-c", "config/hotline.yaml"]) == 0
    assert capsys.readouterr().out.count("5550") == 3
