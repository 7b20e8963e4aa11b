"""The local spool: JSON lines that hold records while the database is unreachable.

Each line is one record of any kind (`{"kind": "queue_log", ...}`); a line without a kind
is a CDR written by an engine from before kinds existed, and is replayed as one.

Theory of operation. Records are only ever *appended* to `<spool>` (O_APPEND, one write
per batch, fsync). To replay, the writer first *claims* the file by renaming it to
`<spool>.replaying`, so appends that happen during the replay (e.g. `submit` overflow)
land in a fresh `<spool>` and can never be lost by the later delete. The claimed file is
removed only after every record in it is committed; if the replay fails half way it stays
claimed and is retried from the start (the insert ignores rows already present).
Lines that cannot be parsed are copied to `<spool>.bad` (raw, so an operator can repair and
re-append them) when the claimed file is finished, so they are reported exactly once and
never block the replay.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cti.store.models import Record, SpoolFormatError, record_from_json

log = logging.getLogger("hotline.store")


@dataclass(frozen=True, slots=True)
class BadLine:
    """A spool line that is not a valid record; `number` is 1-based in its file."""

    number: int
    raw: bytes
    reason: str


@dataclass(frozen=True, slots=True)
class SpoolContents:
    records: list[Record]
    bad: list[BadLine]


class Spool:
    """File operations of the spool; every method is safe to call from the event loop
    except the `*_sync` ones, which block on fsync and are meant for `asyncio.to_thread`
    (or the rare synchronous overflow path of `RecordWriter.submit`)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.replaying_path = self.path.with_name(self.path.name + ".replaying")
        self.bad_path = self.path.with_name(self.path.name + ".bad")

    def pending_bytes(self) -> int:
        """Bytes waiting for replay (spool plus a claimed file)."""
        return sum(_size(p) for p in (self.path, self.replaying_path))

    def has_pending(self) -> bool:
        return self.pending_bytes() > 0

    def append_sync(self, records: Iterable[Record]) -> int:
        """Append records durably; returns how many were written."""
        lines = [record.to_json() for record in records]
        if lines:
            _append_durably(self.path, ("\n".join(lines) + "\n").encode("ascii"))
        return len(lines)

    async def append(self, records: Sequence[Record]) -> int:
        return await asyncio.to_thread(self.append_sync, records)

    def reject_sync(self, records: Iterable[Record]) -> None:
        """Park records the database refuses (bad data) in `.bad` instead of retrying forever."""
        data = "".join(record.to_json() + "\n" for record in records)
        if data:
            _append_durably(self.bad_path, data.encode("ascii"))

    def claim(self) -> Path | None:
        """Return the file to replay next (renaming the spool if needed), or None."""
        if self.replaying_path.exists():
            return self.replaying_path
        size = _size(self.path)
        if size == 0:
            self.path.unlink(missing_ok=True)
            return None
        os.replace(self.path, self.replaying_path)
        _fsync_dir(self.path.parent)
        return self.replaying_path

    async def read(self, path: Path) -> SpoolContents:
        return await asyncio.to_thread(_parse_file, path)

    async def finish(self, path: Path, bad: Sequence[BadLine]) -> None:
        """Everything in `path` is committed: report and park its bad lines, then delete it."""
        for line in bad:
            log.error("spool %s line %d is not a valid record (%s); moved to %s",
                      path, line.number, line.reason, self.bad_path)
        await asyncio.to_thread(self._finish_sync, path, bad)

    def _finish_sync(self, path: Path, bad: Sequence[BadLine]) -> None:
        if bad:
            _append_durably(self.bad_path, b"".join(line.raw + b"\n" for line in bad))
        path.unlink(missing_ok=True)
        _fsync_dir(path.parent)


def _parse_file(path: Path) -> SpoolContents:
    records: list[Record] = []
    bad: list[BadLine] = []
    for number, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            records.append(record_from_json(raw.decode("utf-8")))
        except (SpoolFormatError, UnicodeDecodeError) as exc:
            bad.append(BadLine(number, raw, str(exc)))
    return SpoolContents(records, bad)


def _append_durably(path: Path, data: bytes) -> None:
    created = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    """Make a create/rename/unlink durable; not every platform can open a directory."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
