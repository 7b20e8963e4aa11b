"""The customer directory's in-memory index (cti.store.customers) on a SQLite file: calls are
answered without a query while the index is fresh, a customer added (or changed) by another writer
is found once `fresh_s` has passed, a table too large is queried per call, a failed reload keeps
the previous index, and the IVR's lookup node still reads the row as it is now."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, update

from cti.store import make_engine
from cti.store.customers import CustomerDirectory, create_and_seed, customer
from tests.support.clock import FakeClock

GOLD = {"tier": "gold", "customer_name": "Li Wei", "account": "100001", "balance": "1234.50", "language": "en"}
NEW = {"phone": "5550100", "name": "Zhao Min", "tier": "silver", "account": "200100", "balance": 5, "language": "zh"}


@pytest.fixture
async def db(tmp_path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/customers.db")
    await create_and_seed(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def statements(db) -> list[str]:
    """The SQL statements that touch the customer table from now on."""
    seen: list[str] = []
    event.listen(db.sync_engine, "before_cursor_execute",
                 lambda conn, cursor, sql, *rest: seen.append(sql) if "customer" in sql else None)
    return seen


async def _add(db, row: dict) -> None:
    async with db.begin() as conn:
        await conn.execute(customer.insert(), [row])


async def test_calls_are_answered_from_the_index_without_a_query_per_call(db, statements) -> None:
    clock = FakeClock()
    directory = CustomerDirectory(db, clock=clock)
    assert await directory.lookup("5559001") == GOLD
    queries = len(statements)
    for n in range(50):  # 50 calls within the same second: known and unknown callers
        clock.advance(0.05)
        assert await directory.lookup("5559001" if n % 2 else f"77{n}") == (GOLD if n % 2 else {})
    assert (directory.reloads, len(statements)) == (1, queries)


async def test_a_customer_added_while_the_engine_runs_is_found_once_the_index_is_older_than_fresh_s(db) -> None:
    clock = FakeClock()
    directory = CustomerDirectory(db, clock=clock, fresh_s=5.0)
    assert await directory.lookup(NEW["phone"]) == {}
    await _add(db, NEW)
    async with db.begin() as conn:  # and an existing customer changes tier
        await conn.execute(update(customer).where(customer.c.phone == "5559001").values(tier="silver"))
    clock.advance(4.9)
    assert await directory.lookup(NEW["phone"]) == {}  # still within fresh_s: the old index answers
    clock.advance(0.1)
    assert await directory.lookup(NEW["phone"]) == {"tier": "silver", "customer_name": "Zhao Min",
                                                      "account": "200100", "balance": "5.00", "language": "zh"}
    assert (await directory.lookup("5559001"))["tier"] == "silver"
    assert directory.reloads == 2


async def test_concurrent_lookups_of_a_stale_index_share_one_reload(db, statements) -> None:
    directory = CustomerDirectory(db, clock=FakeClock())
    found = await asyncio.gather(*(directory.lookup("5559001") for _ in range(20)))
    assert found == [GOLD] * 20
    assert directory.reloads == 1
    assert sum(sql.lstrip().upper().startswith("SELECT COUNT") for sql in statements) == 1


async def test_a_table_larger_than_max_rows_is_queried_per_call(db, statements) -> None:
    clock = FakeClock()
    directory = CustomerDirectory(db, clock=clock, max_rows=2)  # the 3 demo customers are too many
    assert await directory.lookup("5559001") == GOLD
    await _add(db, NEW)
    assert (await directory.lookup(NEW["phone"]))["customer_name"] == "Zhao Min"  # found at once: a live query
    assert await directory.lookup("770") == {}
    assert sum("WHERE customer.phone" in sql for sql in statements) == 3


async def test_a_failed_reload_keeps_serving_the_previous_index(db, caplog) -> None:
    clock = FakeClock()
    directory = CustomerDirectory(db, clock=clock)
    assert await directory.lookup("5559001") == GOLD
    async with db.begin() as conn:
        await conn.exec_driver_sql("ALTER TABLE customer RENAME TO customer_gone")
    clock.advance(6)
    assert await directory.lookup("5559001") == GOLD
    assert "customer index reload failed" in caplog.text and "serving the previous one" in caplog.text


async def test_no_database_at_all_serves_an_unknown_caller(tmp_path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/missing/none.db")  # its folder does not exist
    try:
        assert await CustomerDirectory(engine).lookup("5559001") == {}
    finally:
        await engine.dispose()


async def test_the_ivr_lookup_node_reads_the_row_as_it_is_now(db) -> None:
    directory = CustomerDirectory(db, clock=FakeClock())
    assert await directory.lookup("5559001") == GOLD
    async with db.begin() as conn:
        await conn.execute(update(customer).where(customer.c.account == "100001").values(balance=1.5))
    assert (await directory.lookup_by("account", "100001"))["balance"] == "1.50"
    assert await directory.lookup_by("phone", "000") is None
