"""Where the Asterisk sandbox's chroot lives (one definition: the sandbox tool and the recordings
directory mapping both need it)."""

from __future__ import annotations

import os
from pathlib import Path


def sandbox_root() -> Path:
    base = os.environ.get("HOTLINE_SANDBOX_DIR")
    if base:
        return Path(base)
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "hotline" / "asterisk-sid"
