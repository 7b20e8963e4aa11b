"""Signed changes to rollup rows, gathered in memory before one upsert per table (pure).

A key is `(span, bucket, *rest)`; values are integer amounts added to the row's columns (negative
when a figure moves away), plus `peaks`: columns that keep a maximum (max_wait) instead of a sum.
`add_at` books a point event (a call, an accept) at every grain; `add_span` books a duration cut
at bucket edges. Rows whose every amount nets to zero are left out of `rows()`: nothing to write.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from cti.store.rollup.buckets import buckets_at, split

Key = tuple[Any, ...]


class Deltas:
    """table name -> key -> column -> amount, and table name -> key -> peak column -> max value."""

    def __init__(self) -> None:
        self._sums: dict[str, dict[Key, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
        self._peaks: dict[str, dict[Key, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))

    def add(self, table: str, key: Key, values: Mapping[str, int], sign: int = 1) -> None:
        row = self._sums[table][key]
        for column, amount in values.items():
            row[column] += sign * amount

    def peak(self, table: str, key: Key, column: str, value: float | None) -> None:
        if value is None:
            return
        row = self._peaks[table][key]
        if column not in row or value > row[column]:
            row[column] = value

    def add_at(self, table: str, t_us: int, rest: Key, values: Mapping[str, int], sign: int = 1) -> None:
        for span, bucket in buckets_at(t_us):
            self.add(table, (span, bucket, *rest), values, sign)

    def peak_at(self, table: str, t_us: int, rest: Key, column: str, value: float | None) -> None:
        for span, bucket in buckets_at(t_us):
            self.peak(table, (span, bucket, *rest), column, value)

    def add_span(self, table: str, start_us: int, end_us: int, rest: Key, column: str, sign: int = 1) -> None:
        for span, bucket, piece in split(start_us, end_us):
            self.add(table, (span, bucket, *rest), {column: piece}, sign)

    def tables(self) -> set[str]:
        return set(self._sums) | set(self._peaks)

    def rows(self, table: str) -> dict[Key, tuple[dict[str, int], dict[str, float]]]:
        """key -> (non-zero sums, peaks) of the rows that change."""
        sums, peaks = self._sums.get(table, {}), self._peaks.get(table, {})
        out = {}
        for key in set(sums) | set(peaks):
            nonzero = {c: v for c, v in sums.get(key, {}).items() if v}
            if nonzero or peaks.get(key):
                out[key] = (nonzero, dict(peaks.get(key, {})))
        return out
