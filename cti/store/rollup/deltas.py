"""Signed changes to rollup rows, gathered in memory before one upsert per table (pure).

Figures are booked per quarter-hour, keyed `(quarter, *rest)`: integer amounts added to the row's
columns (negative when a figure moves away), plus `peaks`: columns that keep a maximum (max_wait)
instead of a sum. `add_at` books a point event (a call, an accept) in its quarter; `add_span` a
duration cut at quarter edges. `rows()` hands out every grain (of the table: GRAINS_OF): an
hour's or a day's change is the sum (the max, for peaks) of its quarters'. Rows whose amounts all net to zero and carry no peak are
left out: there is nothing to write.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from cti.store.rollup.buckets import GRAINS, GRAINS_OF, QUARTER, floor, split

Key = tuple[Any, ...]
Row = tuple[dict[str, int], dict[str, float]]  # (sums, peaks)


class Deltas:
    """table name -> (quarter, *rest) -> column -> amount; and the same for peak columns (max values)."""

    def __init__(self) -> None:
        self._sums: dict[str, dict[Key, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
        self._peaks: dict[str, dict[Key, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))

    def add(self, table: str, key: Key, values: Mapping[str, int], sign: int = 1) -> None:
        """Add to the row `key` = (quarter start in epoch seconds, *rest)."""
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
        self.add(table, (floor(t_us, QUARTER), *rest), values, sign)

    def peak_at(self, table: str, t_us: int, rest: Key, column: str, value: float | None) -> None:
        self.peak(table, (floor(t_us, QUARTER), *rest), column, value)

    def add_span(self, table: str, start_us: int, end_us: int, rest: Key, column: str, sign: int = 1) -> None:
        for quarter, piece in split(start_us, end_us):
            self._sums[table][(quarter, *rest)][column] += sign * piece

    def tables(self) -> set[str]:
        return set(self._sums) | set(self._peaks)

    def rows(self, table: str) -> dict[Key, Row]:
        """(span, bucket, *rest) -> (non-zero sums, peaks), at every grain, of the rows that change."""
        out: dict[Key, Row] = {}
        grains = GRAINS_OF.get(table, GRAINS)
        for (quarter, *rest), sums in self._sums.get(table, {}).items():
            for span in grains:
                row = out.setdefault((span, quarter // span * span, *rest), ({}, {}))[0]
                for column, amount in sums.items():
                    row[column] = row.get(column, 0) + amount
        for (quarter, *rest), peaks in self._peaks.get(table, {}).items():
            for span in grains:
                row = out.setdefault((span, quarter // span * span, *rest), ({}, {}))[1]
                for column, value in peaks.items():
                    row[column] = max(value, row.get(column, value))
        return {key: ({c: v for c, v in sums.items() if v}, peaks) for key, (sums, peaks) in out.items()
                if peaks or any(sums.values())}
