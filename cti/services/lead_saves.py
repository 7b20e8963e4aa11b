"""Saving leads off the dialer's path: the pacing tick and AMI hooks never wait for the database.

Each save runs as a task kept referenced here until done (asyncio keeps only weak references);
a save that fails is logged and left to the next one, since the hopper keeps the lead's state.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError

from cti.store.leads import save_lead
from dialer.leads import Lead

log = logging.getLogger("hotline.dialer")


class LeadSaves:
    """Background saves of leads whose status or schedule changed."""

    def __init__(self, db) -> None:
        self.db = db
        self.pending: set[asyncio.Task] = set()

    def save(self, lead: Lead) -> None:
        task = asyncio.get_running_loop().create_task(self._save_now(lead), name=f"save lead {lead.id}")
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def drain(self) -> None:
        """Wait for the saves under way (tests, shutdown)."""
        await asyncio.gather(*self.pending)

    async def _save_now(self, lead: Lead) -> None:
        try:
            await asyncio.wait_for(save_lead(self.db, lead), 10)
        except (OSError, asyncio.TimeoutError, SQLAlchemyError) as exc:
            log.warning("lead %s not saved (%s); the hopper keeps its state, the next save retries", lead.id, exc)
