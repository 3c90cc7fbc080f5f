"""Fixtures of the report tests: a headless Chromium page, the Mermaid renderer (helpers in
``support.browser``)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.browser import CHROMIUM, MMDC, BrowserPage, chromium_page, require


@pytest.fixture
def playwright_driver() -> Iterator[Any]:
    """Playwright's driver; the browser is always the system Chromium. Per test: while the sync API is
    open it runs an event loop in this thread, which would break later tests' ``asyncio.run``."""
    require(Path(CHROMIUM).exists(), f"Chromium ({CHROMIUM})")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "the playwright package (pip install -e '.[dev]')")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def browser(playwright_driver: Any, tmp_path: Path) -> Iterator[BrowserPage]:
    """A page in a fresh Chromium profile under the test's tmp dir; the network is off."""
    with chromium_page(playwright_driver, tmp_path / "chromium-profile") as page:
        yield page


@pytest.fixture(scope="session")
def mmdc() -> Path:
    """The Mermaid CLI (npm ``@mermaid-js/mermaid-cli``, installed by .ci/run) and its Chromium config."""
    require(Path(CHROMIUM).exists(), f"Chromium ({CHROMIUM})")
    require(MMDC.exists() and shutil.which("node") is not None, f"mermaid-cli ({MMDC})")
    return MMDC
