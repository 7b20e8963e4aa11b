"""Portable time arithmetic for report queries (SQLite stores naive UTC text, PostgreSQL timestamptz).

- `epoch_s(t)`             whole seconds since 1970-01-01 UTC (floor), an integer: interval buckets.
- `seconds_between(a, b)`  b - a in seconds, a float: durations.
SQLite's `julianday` keeps ~20 µs precision at today's dates, plenty for call-centre seconds;
buckets use `strftime('%s')` (an exact integer) so a call at 09:15:00.000 never lands in 09:00.
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
    return f"CAST(strftime('%s', {t}) AS INTEGER)"


@compiles(epoch_s, "postgresql")
def _epoch_pg(element: epoch_s, compiler: Any, **kw: Any) -> str:
    (t,) = _args(element, compiler, **kw)
    return f"CAST(floor(extract(epoch FROM {t})) AS BIGINT)"


@compiles(seconds_between, "sqlite")
def _between_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"((julianday({b}) - julianday({a})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _between_pg(element: seconds_between, compiler: Any, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"CAST(extract(epoch FROM ({b} - {a})) AS DOUBLE PRECISION)"
