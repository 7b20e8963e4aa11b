"""Portable time arithmetic for report queries (SQLite stores naive UTC text, PostgreSQL timestamptz).

- `epoch_s(t)`             whole seconds since 1970-01-01 UTC (floor), an integer: interval buckets.
- `seconds_between(a, b)`  b - a in seconds, a float: durations.
On SQLite (text 'YYYY-MM-DD HH:MM:SS.ffffff', as SQLAlchemy stores it) both read the whole
seconds from the first 19 characters (`strftime('%s')`; for a duration a rounded `julianday`
difference, which is faster) and a duration adds the difference of the fractions (characters
20..): exact to the microsecond. `julianday` differences are ~50 µs off
each and drift by milliseconds over a day's segments, and `strftime` on the full text rounds to
the millisecond (09:14:59.9996 would fall in 09:15); the rollups are exact, and raw rows must
agree with them to the report's 0.1 s. A call at 09:15:00.000 never lands in 09:00.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class epoch_s(FunctionElement[int]):  # noqa: N801  (reads like the SQL function it stands for)
    type = BigInteger()
    name = "epoch_s"
    inherit_cache = True


class seconds_between(FunctionElement[float]):  # noqa: N801
    type = Float()
    name = "seconds_between"
    inherit_cache = True


def _args(element: FunctionElement[Any], compiler: Any, **kw: Any) -> list[str]:
    return [compiler.process(arg, **kw) for arg in element.clauses]


@compiles(epoch_s, "sqlite")
def _epoch_sqlite(element: epoch_s, compiler: Any, **kw: Any) -> str:
    (t,) = _args(element, compiler, **kw)
    return f"CAST(strftime('%s', substr({t}, 1, 19)) AS INTEGER)"


@compiles(epoch_s, "postgresql")
def _epoch_pg(element: epoch_s, compiler: Any, **kw: Any) -> str:
    (t,) = _args(element, compiler, **kw)
    return f"CAST(floor(extract(epoch FROM {t})) AS BIGINT)"


@compiles(seconds_between, "sqlite")
def _between_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    # whole seconds: julianday differences of whole-second times are within 0.0001 s of an integer
    whole = f"round((julianday(substr({b}, 1, 19)) - julianday(substr({a}, 1, 19))) * 86400.0)"
    # '.ffffff' (characters 20..) read as a number; SQLite takes '' (no fraction) as 0
    return f"({whole} + (CAST(substr({b}, 20) AS REAL) - CAST(substr({a}, 20) AS REAL)))"


@compiles(seconds_between, "postgresql")
def _between_pg(element: seconds_between, compiler: Any, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"CAST(extract(epoch FROM ({b} - {a})) AS DOUBLE PRECISION)"
