"""Hot reload of config/acd.yaml: a valid change applies at once, live calls and agent states kept;
an invalid file is rejected with every issue logged and the running configuration stays."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Callable

from acd.config import AcdConfig, load_acd_config, to_specs
from cti.services.acd import AcdService
from common.yamlconf import ConfigError, ConfigIssue

log = logging.getLogger("hotline.acd")


class AcdConfigWatcher:
    def __init__(self, path: Path, acd: AcdService,
                 on_change: Callable[[list[ConfigIssue]], None] | None = None) -> None:
        self.path, self.acd = path, acd
        self.on_change = on_change or (lambda issues: None)
        self.on_config: list[Callable[[AcdConfig], None]] = []  # the new file, once applied (supervisors)
        # checks against the rest of the engine (agents' Asterisk nodes): any issue rejects the file
        self.checks: list[Callable[[AcdConfig, Path], list[ConfigIssue]]] = []
        self._mtime = self._stat()
        self.reloads = 0

    def _stat(self) -> int | None:
        try:
            return self.path.stat().st_mtime_ns
        except OSError:
            return None

    def check(self) -> bool:
        """Reload if the file changed; True when a new configuration was applied."""
        mtime = self._stat()
        if mtime is None or mtime == self._mtime:
            return False
        self._mtime = mtime
        try:
            config = load_acd_config(self.path)
            issues = [issue for check in self.checks for issue in check(config, self.path)]
            if issues:
                raise ConfigError(issues)
            queues, agents = to_specs(config)
        except ConfigError as exc:
            log.error("%s rejected; the running ACD configuration is kept:\n%s", self.path, exc)
            self.on_change(exc.issues)
            return False
        self.acd.reload(queues, agents)
        for listener in self.on_config:
            listener(config)
        self.reloads += 1
        log.info("%s reloaded: %d queues, %d agents", self.path, len(queues), len(agents))
        self.on_change([])
        return True

    async def watch(self, interval: float = 1.0) -> None:
        while True:
            await asyncio.sleep(interval)
            self.check()
