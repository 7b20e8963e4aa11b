"""CDR storage: schema, engine helpers and the outage-tolerant batching writer."""

from cti.store.db import create_schema, fetch_cdrs, insert_ignore, insert_ignore_stmt, make_engine
from cti.store.models import CdrRecord, SpoolFormatError, UtcDateTime, cdr, metadata
from cti.store.spool import Spool
from cti.store.writer import CdrWriter, WriterStats

__all__ = [
    "CdrRecord",
    "CdrWriter",
    "Spool",
    "SpoolFormatError",
    "UtcDateTime",
    "WriterStats",
    "cdr",
    "create_schema",
    "fetch_cdrs",
    "insert_ignore",
    "insert_ignore_stmt",
    "make_engine",
    "metadata",
]
