"""A real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright's async API, in the
test's own event loop. Never `playwright install`: the system browser is used, with a fresh
profile per browser (Playwright passes its own temporary --user-data-dir)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("HOTLINE_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
async def browser():
    playwright_api = pytest.importorskip("playwright.async_api")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} missing: scripts/ensure-system.sh test installs Debian's chromium")
    async with playwright_api.async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium
        await chromium.close()


def screenshot_dir() -> Path | None:
    """Set HOTLINE_SCREENSHOTS=docs to refresh the screenshots in docs/."""
    folder = os.environ.get("HOTLINE_SCREENSHOTS")
    return Path(folder) if folder else None
