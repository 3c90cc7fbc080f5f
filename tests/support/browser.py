"""A real headless Chromium (Debian's ``chromium``) driven by Playwright, with the network off.

Playwright's own browser downloads are never used: ``executable_path`` is the system Chromium. Each
page gets a fresh ``--user-data-dir``; every request that is not a ``file://`` URL is aborted and
recorded (a self-contained report makes none), and console errors and page errors are collected.
Missing tools skip the test on a developer's machine and fail it in CI (``CI`` set), where
``.ci/run`` installs them.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("AEP_EXPORTS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NODE_DIR = Path(__file__).parents[1] / "integration" / "report" / "node"  # .ci/run installs mermaid-cli there
MMDC = NODE_DIR / "node_modules" / ".bin" / "mmdc"


def require(condition: bool, what: str) -> None:
    """Skip (locally) or fail (in CI) when a browser-test tool is missing."""
    if condition:
        return
    message = f"{what} is missing; `bash .ci/run` installs it"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class BrowserPage:
    """A loaded page plus what the browser reported while loading it."""

    page: Any
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # non-file requests, all aborted

    def open_report(self, path: Path, *, timeout_s: float = 240) -> float:
        """Load ``path`` and wait until every figure is drawn; returns the seconds it took."""
        started = time.perf_counter()
        self.page.goto(path.resolve().as_uri(), wait_until="load", timeout=timeout_s * 1000)
        self.page.wait_for_function(
            "document.documentElement.dataset.rendered !== undefined", timeout=timeout_s * 1000
        )
        return time.perf_counter() - started

    def marks(self) -> dict[str, dict[str, Any]]:
        """Per export section (by key): what its figure drew, read from the rendered SVG."""
        result: dict[str, dict[str, Any]] = self.page.evaluate(MARKS_SCRIPT)
        return result


# Per export: the marks of the windows plot (subplot xy) counted per outcome - the name of the trace
# bound to each drawn trace group - the bars of the rows (x2y2) and minutes (x3y3) plots, and the
# coverage problems listed and shaded (shapes drawn below the traces).
MARKS_SCRIPT = """
() => {
  const out = {};
  for (const section of document.querySelectorAll('section.export')) {
    const lanes = {};
    let total = 0;
    for (const trace of section.querySelectorAll('.subplot.xy .trace')) {
      const outcome = trace.__data__[0].trace.name.replace(' (all data)', '');
      const drawn = trace.querySelectorAll('.point').length;
      lanes[outcome] = (lanes[outcome] || 0) + drawn;
      total += drawn;
    }
    out[section.dataset.key] = {
      lane: total,
      lanes: lanes,
      rows: section.querySelectorAll('.subplot.x2y2 .bars .point').length,
      minutes: section.querySelectorAll('.subplot.x3y3 .bars .point').length,
      coverage: section.querySelectorAll('.problems li[class^="coverage-"]').length,
      shapes: section.querySelectorAll('.layer-below .shapelayer path').length,
      visible: !section.classList.contains('hidden'),
    };
  }
  return out;
}
"""


@contextmanager
def chromium_page(driver: Any, profile_dir: Path) -> Iterator[BrowserPage]:
    """A page in a fresh Chromium profile, offline, with non-file requests aborted and recorded."""
    context = driver.chromium.launch_persistent_context(
        str(profile_dir),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        offline=True,
        viewport={"width": 1280, "height": 900},
    )
    try:
        page = context.pages[0] if context.pages else context.new_page()
        loaded = BrowserPage(page)

        def guard(route: Any) -> None:
            url = route.request.url
            if url.startswith("file://"):
                route.continue_()
            else:
                loaded.requests.append(url)
                route.abort()

        context.route("**/*", guard)
        page.on(
            "console", lambda message: loaded.errors.append(message.text) if message.type == "error" else None
        )
        page.on("pageerror", lambda error: loaded.errors.append(str(error)))
        yield loaded
    finally:
        context.close()
