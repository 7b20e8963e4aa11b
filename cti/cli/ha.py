"""`hotline ha status`: which engine holds the lease, at which epoch, for how long (docs/standby.md)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add `hotline ha`."""
    ha = sub.add_parser("ha", help="standby engine: who holds the lease")
    actions = ha.add_subparsers(required=True, metavar="ACTION")
    status = actions.add_parser("status", help="holder, epoch and expiry of the engine lease (read from the database)")
    status.add_argument("-c", "--config", type=Path, default=Path("config/hotline.yaml"))
    status.add_argument("--db", help="database URL (default: database.url of the config)")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=_status)


def _status(args: argparse.Namespace) -> int:
    from cti.app.config import load_config

    config = load_config(args.config)
    url = args.db or config.database.url
    if not url.startswith("postgresql"):
        print("hotline ha status: the lease lives in PostgreSQL; database.url is not PostgreSQL "
              "(ha.enabled needs postgresql+asyncpg://user:pass@host/db)", file=sys.stderr)
        return 2
    return asyncio.run(_show(url, config.database.schema_name, args.json))


async def _show(url: str, schema: str | None, as_json: bool) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from cti.store import make_engine
    from cti.store.lease import read_lease

    engine = make_engine(url, schema=schema)
    try:
        row = await read_lease(engine)
    except (OSError, TimeoutError, SQLAlchemyError) as exc:
        print(f"hotline ha status: cannot read the lease: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    if as_json:
        print(json.dumps(None if row is None else {
            "holder": row.holder, "epoch": row.epoch, "expires_at": row.expires_at.isoformat(),
            "expires_in_s": round(row.expires_in_s, 3), "renewed_at": row.renewed_at.isoformat(),
            "active": row.expires_in_s > 0}))
    elif row is None:
        print("no engine has held the lease yet (no engine_lease row)")
    elif row.expires_in_s > 0:
        print(f"active engine: {row.holder} (epoch {row.epoch}), lease expires in {row.expires_in_s:.1f} s, "
              f"renewed {(row.db_now - row.renewed_at).total_seconds():.1f} s ago")
    else:
        print(f"no active engine: the lease of {row.holder} (epoch {row.epoch}) lapsed "
              f"{-row.expires_in_s:.1f} s ago; a standby takes it at its next try")
    return 0 if row is not None and row.expires_in_s > 0 else 3
