"""The engine lease row in PostgreSQL: acquire, renew, release, read (docs/standby.md).

One row per lease name (`hotline`): who holds it, its epoch (incremented on every takeover) and
its expiry, always computed with the DATABASE's clock (`now()`), so the engines' clocks never
have to agree. Each operation is ONE atomic statement; the decisions built on their answers live
in common/lease.py. PostgreSQL only: SQLite is a file of one machine, which a standby on another
machine cannot share, and it has no row locks for two contenders to meet on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

LEASE_NAME = "hotline"
_SCHEMA_LOCK = 0x686F746C696E65  # "hotline": serialises table creation between engines starting together
_LEASE_TABLE_LOCK = _SCHEMA_LOCK + 1  # its own key: create_lease_table also runs inside schema_lock

_CREATE = text("""
CREATE TABLE IF NOT EXISTS engine_lease (
    name        varchar(40) PRIMARY KEY,
    holder      varchar(80) NOT NULL,
    epoch       bigint      NOT NULL,
    expires_at  timestamptz NOT NULL,
    acquired_at timestamptz NOT NULL,
    renewed_at  timestamptz NOT NULL
)""")

# Takes the lease when there is none, or when the holder's has expired by the database's clock.
# ON CONFLICT DO UPDATE locks the row and re-checks WHERE on its latest version, so of two
# contenders exactly one gets a row back; the other gets none.
_ACQUIRE = text("""
INSERT INTO engine_lease AS l (name, holder, epoch, expires_at, acquired_at, renewed_at)
VALUES (:name, :node, 1, now() + make_interval(secs => :lease_s), now(), now())
ON CONFLICT (name) DO UPDATE
   SET holder = EXCLUDED.holder, epoch = l.epoch + 1, expires_at = EXCLUDED.expires_at,
       acquired_at = now(), renewed_at = now()
 WHERE l.expires_at < now()
RETURNING l.epoch""")

_RENEW = text("""
UPDATE engine_lease SET expires_at = now() + make_interval(secs => :lease_s), renewed_at = now()
 WHERE name = :name AND holder = :node AND epoch = :epoch
RETURNING epoch""")

_RELEASE = text("""
UPDATE engine_lease SET expires_at = now() - interval '1 millisecond'
 WHERE name = :name AND holder = :node AND epoch = :epoch
RETURNING epoch""")

_READ = text("""
SELECT holder, epoch, expires_at, renewed_at, now() AS db_now FROM engine_lease WHERE name = :name""")


class LeaseNeedsPostgres(ValueError):
    error_id = "ha-needs-postgresql"


@dataclass(frozen=True)
class LeaseRow:
    holder: str
    epoch: int
    expires_at: datetime
    renewed_at: datetime
    db_now: datetime

    @property
    def expires_in_s(self) -> float:
        """Seconds until the lease lapses, by the database's clock (negative: lapsed)."""
        return (self.expires_at - self.db_now).total_seconds()

    @property
    def fence(self) -> str:
        return f"{self.holder}@{self.epoch}"


def require_postgres(engine: AsyncEngine) -> None:
    if engine.dialect.name != "postgresql":
        raise LeaseNeedsPostgres(
            f"ha.enabled needs PostgreSQL (database.url is {engine.dialect.name}): both engines must share "
            "one database that arbitrates the lease with row locks and its own clock; use "
            "postgresql+asyncpg://user:pass@host/db, or set ha.enabled: false")


@asynccontextmanager
async def schema_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    """Held while creating tables: two engines starting together would race CREATE TABLE."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _SCHEMA_LOCK})
        await conn.commit()
        try:
            yield
        finally:
            await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _SCHEMA_LOCK})
            await conn.commit()


async def create_lease_table(engine: AsyncEngine) -> None:
    require_postgres(engine)
    async with engine.begin() as conn:
        await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LEASE_TABLE_LOCK})
        await conn.execute(_CREATE)


async def acquire(engine: AsyncEngine, node: str, lease_s: float, name: str = LEASE_NAME) -> int | None:
    """Our new epoch, or None when someone holds an unexpired lease."""
    async with engine.begin() as conn:
        row = (await conn.execute(_ACQUIRE, {"name": name, "node": node, "lease_s": float(lease_s)})).first()
    return int(row[0]) if row else None


async def renew(engine: AsyncEngine, node: str, epoch: int, lease_s: float, name: str = LEASE_NAME) -> bool:
    """True when the row still names us at our epoch (and now lasts lease_s more)."""
    async with engine.begin() as conn:
        row = (await conn.execute(_RENEW, {"name": name, "node": node, "epoch": epoch, "lease_s": float(lease_s)})).first()
    return row is not None


async def release(engine: AsyncEngine, node: str, epoch: int, name: str = LEASE_NAME) -> bool:
    """Expire our lease now (clean shutdown), so a standby need not wait for it to lapse."""
    async with engine.begin() as conn:
        row = (await conn.execute(_RELEASE, {"name": name, "node": node, "epoch": epoch})).first()
    return row is not None


async def read_lease(engine: AsyncEngine, name: str = LEASE_NAME) -> LeaseRow | None:
    async with engine.connect() as conn:
        row = (await conn.execute(_READ, {"name": name})).first()
    if row is None:
        return None
    return LeaseRow(holder=row.holder, epoch=int(row.epoch), expires_at=row.expires_at,
                    renewed_at=row.renewed_at, db_now=row.db_now)
