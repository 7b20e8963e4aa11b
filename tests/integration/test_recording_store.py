"""Retention and listing of recordings on SQLite and PostgreSQL: `purge` deletes the files of old
recordings and marks their rows purged (the table's only update), a dry run changes nothing, a row
whose path is not ours is kept and reported; `hotline recordings list` filters by call and agent."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cti.cli.main import main as cli
from cti.cli.recordings import purge
from cti.store import RecordWriter, create_schema, make_engine
from cti.store.quality_models import RecordingRecord
from cti.store.recordings import fetch_recordings
from tests.support.rollup_db import database

NOW = datetime.now(UTC)


def row(call_id: str, days_old: float, agent: str = "1001", status: str = "ok", path: str | None = None):
    started = NOW - timedelta(days=days_old)
    return RecordingRecord(recording_id=f"{call_id}:1", call_id=call_id, part=1,
                           path=path or f"{started:%Y/%m/%d}/{call_id}.wav", format="wav", started_at=started,
                           status=status, agent=agent, queue="billing", duration_s=12.5, size_bytes=400_044)


async def stored(engine, tmp_path: Path, rows: list[RecordingRecord]) -> Path:
    await create_schema(engine)
    writer = RecordWriter(engine, tmp_path / "rec.spool")
    task = asyncio.create_task(writer.run())
    for r in rows:
        writer.submit(r)
    await writer.flush(timeout=10)
    await writer.close()
    await asyncio.wait_for(task, 10)
    root = tmp_path / "recordings"
    for r in rows:
        if r.status == "ok" and not r.path.startswith("/"):
            (root / r.path).parent.mkdir(parents=True, exist_ok=True)
            (root / r.path).write_bytes(b"RIFF")
    return root


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_purge_deletes_old_files_marks_their_rows_and_keeps_what_is_not_ours(kind: str, tmp_path: Path):
    rows = [row("1733065399.1", 120), row("1733065399.2", 91, status="missing"), row("1733065399.3", 10),
            row("1733065399.4", 200, path="/etc/passwd"), row("1733065399.5", 100)]
    async with database(kind, tmp_path) as engine:
        root = await stored(engine, tmp_path, rows)
        (root / rows[4].path).unlink()  # gone already (deleted by hand): the row is marked all the same
        cutoff = NOW - timedelta(days=90)

        dry = await purge(engine, root, cutoff, dry_run=True)
        assert dry.deleted == [rows[0].path] and (root / rows[0].path).exists()
        assert {r.status for r in await fetch_recordings(engine)} == {"ok", "missing"}

        done = await purge(engine, root, cutoff)
        assert done.deleted == [rows[0].path] and not (root / rows[0].path).exists()
        assert sorted(done.gone) == sorted([rows[1].path, rows[4].path])
        assert len(done.refused) == 1 and "/etc/passwd" in done.refused[0]
        assert (root / rows[2].path).exists()  # 10 days old: kept
        status = {r.call_id: r.status for r in await fetch_recordings(engine)}
        assert status == {"1733065399.1": "purged", "1733065399.2": "purged", "1733065399.3": "ok",
                          "1733065399.4": "ok", "1733065399.5": "purged"}
        again = await purge(engine, root, cutoff)  # nothing left to do
        assert (again.deleted, again.gone) == ([], [])


async def test_hotline_recordings_list_and_purge_from_the_command_line(tmp_path: Path, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    config = tmp_path / "hotline.yaml"
    config.write_text(f"ami: {{secret: s}}\nrecordings: {{dir: {tmp_path / 'recordings'}, retention_days: 30}}\n")
    engine = make_engine(url)
    try:
        await stored(engine, tmp_path, [row("1733065399.7", 40, agent="1002"), row("1733065399.8", 1)])
    finally:
        await engine.dispose()

    assert await asyncio.to_thread(cli, ["recordings", "list", "--agent", "1002", "-c", str(config), "--db", url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and "1733065399.7" in out[1] and "1002" in out[1] and out[0].startswith("started_at")
    assert await asyncio.to_thread(cli, ["recordings", "purge", "--dry-run", "-c", str(config), "--db", url]) == 0
    assert "would delete" in capsys.readouterr().out
    assert await asyncio.to_thread(cli, ["recordings", "purge", "-c", str(config), "--db", url]) == 0  # 30 days
    assert "1 recording(s) deleted" in capsys.readouterr().out
    assert await asyncio.to_thread(cli, ["recordings", "list", "--call", "1733065399.7", "--json", "-c",
                                         str(config), "--db", url]) == 0
    assert '"status":"purged"' in capsys.readouterr().out
