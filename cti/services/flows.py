"""The set of flows the engine serves, reloaded when their files change.

A call holds a reference to the `Flow` object it started with, so replacing the library's
entry never changes a call in progress. A file that fails validation is reported with every
issue and the previous version keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from pathlib import Path
from typing import Callable

from common.yamlconf import ConfigError, ConfigIssue
from ivr.advice import file_warnings
from ivr.loader import load_flow
from ivr.models import Flow

log = logging.getLogger("hotline.ivr")


class FlowLibrary:
    """Flows by name, with mtime-based hot reload."""

    def __init__(self, directory: Path, sounds_dir: Path | None = None,
                 on_change: Callable[[str, list[ConfigIssue]], None] | None = None,
                 queues: Callable[[], Collection[str]] | None = None) -> None:
        self.directory = directory
        self.sounds_dir = sounds_dir
        self.flows: dict[str, Flow] = {}
        self._seen: dict[Path, float] = {}
        self._by_file: dict[Path, str] = {}
        self._on_change = on_change or (lambda name, issues: None)
        self._queues = queues  # the ACD's queue names, checked against every queue node

    def on_change(self, listener: Callable[[str, list[ConfigIssue]], None]) -> None:
        """Also tell `listener` about every load or rejection (e.g. the CTI bridge)."""
        previous = self._on_change

        def both(name: str, issues: list[ConfigIssue]) -> None:
            previous(name, issues)
            listener(name, issues)

        self._on_change = both

    def current(self) -> dict[str, Flow]:
        return self.flows

    def scan(self) -> None:
        """Load new or changed files; forget flows whose file was removed."""
        present = {p: p.stat().st_mtime_ns for p in self.directory.glob("*.yaml")}
        for path, mtime in present.items():
            if self._seen.get(path) != mtime:
                self._seen[path] = mtime
                self._load(path)
        for path in set(self._seen) - set(present):
            del self._seen[path]
            name = self._by_file.pop(path, None)
            if name:
                self.flows.pop(name, None)
                log.info("flow %s removed with %s", name, path)

    def _load(self, path: Path) -> None:
        try:
            flow = load_flow(path, self.sounds_dir, self._queues() if self._queues else None)
        except ConfigError as exc:
            kept = self._by_file.get(path)
            log.error("flow file %s rejected%s:\n%s", path,
                      f"; version in service of {kept!r} kept" if kept else "", exc)
            self._on_change(kept or path.stem, exc.issues)
            return
        previous = self._by_file.get(path)
        if previous and previous != flow.name:
            self.flows.pop(previous, None)  # renamed inside its file: the old name is gone
        self.flows[flow.name] = flow
        self._by_file[path] = flow.name
        log.info("flow %s loaded from %s", flow.name, path)
        for warning in file_warnings(path, flow):  # served all the same: the author may mean it
            log.warning("flow %s: %s", flow.name, warning)
        self._on_change(flow.name, [])

    async def watch(self, interval: float = 0.5) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                self.scan()
            except OSError as exc:
                log.warning("cannot scan %s: %s", self.directory, exc)
