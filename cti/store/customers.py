"""Customer directory: who is calling (tier, name, account), looked up by caller ID.

Differentiated service starts here: the tier picks the welcome, the menu and the queue
priority. The lookup is bounded in time; when the database is slow or down the call goes on as
an unknown (normal-tier) caller rather than waiting.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import Column, MetaData, Numeric, String, Table, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from ivr.customers import DEMO, call_variables

log = logging.getLogger("hotline.customers")
metadata = MetaData()
customer = Table(
    "customer", metadata,
    Column("phone", String(32), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("tier", String(16), nullable=False, server_default="normal"),
    Column("account", String(32), nullable=False),
    Column("balance", Numeric(12, 2), nullable=False, server_default="0"),
    Column("language", String(8), nullable=False, server_default="en"),
)

async def create_and_seed(engine: AsyncEngine) -> None:
    """Create the table; seed the demo customers once (an operator's own rows are left alone)."""
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        present = {row[0] for row in await conn.execute(select(customer.c.phone))}
        missing = [row for row in DEMO if row["phone"] not in present]
        if missing:
            await conn.execute(customer.insert(), missing)


class CustomerDirectory:
    def __init__(self, engine: AsyncEngine, timeout: float = 1.0) -> None:
        self.engine = engine
        self.timeout = timeout

    async def lookup(self, phone: str) -> dict[str, str]:
        """Call variables for this caller ({} when unknown or when the lookup fails)."""
        if not phone:
            return {}
        try:
            return await self.lookup_by("phone", phone) or {}
        except (SQLAlchemyError, OSError, asyncio.TimeoutError) as exc:
            log.warning("customer lookup for %s failed (%s); serving as an unknown caller", phone, exc)
            return {}

    async def lookup_by(self, field: str, value: str) -> dict[str, object] | None:
        """For the IVR's lookup node: the customer whose `field` (phone|account) is `value`.

        None when there is no such customer; database trouble raises (the flow's failure branch).
        """
        column = {"phone": customer.c.phone, "account": customer.c.account}[field]
        row = await asyncio.wait_for(self._fetch(value, column), self.timeout)
        return call_variables(row._mapping) if row is not None else None

    async def _fetch(self, value: str, column):
        async with self.engine.connect() as conn:
            result = await conn.execute(select(customer).where(column == value))
            return result.first()
