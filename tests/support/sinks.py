"""A record sink (what `AcdService` and the dialer submit records to) that keeps them for asserts."""

from __future__ import annotations


class RecordingSink:
    def __init__(self) -> None:
        self.records: list = []

    def submit(self, record) -> None:
        self.records.append(record)
