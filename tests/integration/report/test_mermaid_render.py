"""The plan's gantt as GitHub would draw it: rendered by mermaid-cli in the system Chromium.

mermaid's gantt parser is lenient (a date it cannot read still "renders"), so the test reads the SVG
back: one task bar per line, every bar as wide as its window on one common scale.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest

from aep_exports.render.mermaid import plan_gantt
from support.browser import CHROMIUM, CHROMIUM_ARGS
from support.gantt_cases import CASES

TASK = re.compile(r"^    .+ :(?:\w+, )?t\d+, ([\d-]+ [\d:]+), ([\d-]+ [\d:]+)$", re.MULTILINE)
SVG = "{http://www.w3.org/2000/svg}"


def render(mmdc: Path, source: str, tmp_path: Path) -> ET.Element:
    (tmp_path / "gantt.mmd").write_text(source, encoding="utf-8")
    (tmp_path / "puppeteer.json").write_text(json.dumps({"executablePath": CHROMIUM, "args": CHROMIUM_ARGS}))
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": CHROMIUM, "PUPPETEER_SKIP_DOWNLOAD": "1"}
    done = subprocess.run(
        [
            str(mmdc),
            "-q",
            "-p",
            str(tmp_path / "puppeteer.json"),
            "-i",
            str(tmp_path / "gantt.mmd"),
            "-o",
            str(tmp_path / "gantt.svg"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return ET.parse(tmp_path / "gantt.svg").getroot()


@pytest.mark.parametrize("name", sorted(name for name in CASES if name != "none-due"))
def test_mermaid_cli_draws_every_bar_of_the_gantt_to_scale(mmdc, tmp_path, name):
    plan, history = CASES[name]()
    block = plan_gantt(plan, history)
    source = block.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
    root = render(mmdc, source, tmp_path)
    # Mermaid groups the bars by kind in the SVG; each keeps its task id (t0, t1, ...).
    bars = sorted(
        (r for r in root.iter(f"{SVG}rect") if (r.get("class") or "").startswith("task ")),
        key=lambda r: int((r.get("id") or "").rsplit("-t", 1)[1]),
    )
    windows = [
        (datetime.strptime(a, "%Y-%m-%d %H:%M:%S"), datetime.strptime(b, "%Y-%m-%d %H:%M:%S"))
        for a, b in TASK.findall(source)
    ]
    assert len(bars) == len(windows) > 0
    scales = [
        float(bar.get("width", "0")) / (end - start).total_seconds()
        for bar, (start, end) in zip(bars, windows, strict=True)
    ]
    assert min(scales) > 0 and max(scales) / min(scales) < 1.02, scales
    titles = [t for t in root.iter(f"{SVG}text") if "sectionTitle" in (t.get("class") or "")]
    assert ["".join(t.itertext()).strip() for t in titles] == re.findall(
        r"^    section (.+)$", source, re.MULTILINE
    )
