"""Benchmark: the HTML report of 200 exports x 50 runs - its size, build time and render time.

Builds a synthetic project (declarations + a state file of tiling incremental windows, with failed,
cancelled and running runs), writes the report with ``aep-exports report``'s own code, then loads it
in the system Chromium (headless, offline) and times it until every figure is drawn. Baselines
measured in the same run: the state file's size, ``status``'s computation over the same state, and
the report of an empty project (plotly.js alone).

    .venv/bin/python benchmarks/report_scale.py [--exports N] [--runs R] [--no-browser]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aep_exports.cli.wiring import load_declared
from aep_exports.config.settings import load_settings
from aep_exports.ops.report_data import build_report_data
from aep_exports.ops.status import compute_status
from aep_exports.render.report_html import render_report_html
from aep_exports.state.backend import open_backend
from aep_exports.state.model import DatasetRecord, ExportRecord, RunRecord, RunStatus, StateDocument

ORG = "BENCH@AdobeOrg"
NOW = datetime(2024, 6, 1, 3, 30, tzinfo=UTC)
SCHEDULES = (
    ("0 3 * * *", timedelta(days=1)),
    ("0 */6 * * *", timedelta(hours=6)),
    ("@hourly", timedelta(hours=1)),
)
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


def _declarations(n_exports: int) -> str:
    lines = ["datasets:", "  target:", "    name: Bench target", *(["exports:"] if n_exports else [])]
    for index in range(n_exports):
        schedule, _ = SCHEDULES[index % len(SCHEDULES)]
        lines += [
            f"  export-{index:03d}:",
            "    dataset: target",
            f'    schedule: "{schedule}"',
            f"    incremental: {'false' if index % 10 == 9 else 'true'}",
        ]
    return "\n".join(lines) + "\n"


def _status(rng: random.Random) -> tuple[str, bool]:
    roll = rng.random()
    if roll < 0.08:
        return RunStatus.FAILED, False
    if roll < 0.11:
        return RunStatus.CANCELLED, rng.random() < 0.5
    return RunStatus.SUCCEEDED, False


def synthetic_runs(
    index: int, n_runs: int, rng: random.Random, *, gap_at: int | None = None
) -> tuple[list[RunRecord], datetime | None]:
    """``n_runs`` runs of export ``index`` ending at the latest slot before NOW; incremental windows tile
    except, with ``gap_at``, before run ``gap_at`` (its ``from`` is one step late). The newest run of
    every fifth export is still PROCESSING. Returns the runs and the watermark."""
    _, step = SCHEDULES[index % len(SCHEDULES)]
    incremental = index % 10 != 9
    first = NOW.replace(minute=0) - step * n_runs
    watermark: datetime | None = None
    runs: list[RunRecord] = []
    for number in range(n_runs):
        slot = first + step * (number + 1)
        status, by_tool = _status(rng)
        if number == n_runs - 1 and index % 5 == 4:
            status = RunStatus.PROCESSING
        start = watermark if incremental else None
        if gap_at == number and start is not None:
            start += step
        created = slot + timedelta(minutes=2)
        minutes = rng.randint(1, 40)
        finished = None if status == RunStatus.PROCESSING else created + timedelta(minutes=minutes)
        metrics: dict[str, Any] = {"totalTime": {"startTimeInMs": int(created.timestamp() * 1000)}}
        if finished is not None:
            metrics["totalTime"]["totalTimeInMs"] = minutes * 60_000
        if status == RunStatus.SUCCEEDED:
            metrics["totalExportedProfileCounter"] = rng.randint(0, 250_000)
        runs.append(
            RunRecord(
                job_id=index * 1000 + number,
                slot=slot,
                window_from=start,
                window_to=slot,
                status=status,
                created=created,
                finished=finished,
                metrics=metrics,
                cancelled_by_tool=by_tool,
                batches=[f"b{index:03d}{number:03d}"] if status == RunStatus.SUCCEEDED else [],
                errors=[{"code": "E500", "msg": "engine <failed> & retried"}]
                if status == RunStatus.FAILED
                else [],
                note="timeout" if by_tool else "",
            )
        )
        if status == RunStatus.SUCCEEDED:
            watermark = slot
    return runs, watermark


def synthetic_project(root: Path, n_exports: int, n_runs: int, *, gap_in: int | None = None) -> StateDocument:
    """A project under ``root`` (declarations + state file); export ``gap_in`` gets one coverage gap."""
    (root / "exports").mkdir(parents=True, exist_ok=True)
    (root / "aep-exports.yaml").write_text(f"platform: local\nsandbox: prod\norg: {ORG}\n")
    (root / "exports" / "main.yaml").write_text(_declarations(n_exports))
    rng = random.Random(7)
    doc = StateDocument.empty(ORG, "prod")
    doc.datasets["target"] = DatasetRecord(id="0123456789abcdef01234567")
    for index in range(n_exports):
        runs, watermark = synthetic_runs(index, n_runs, rng, gap_at=n_runs // 2 if index == gap_in else None)
        doc.exports[f"export-{index:03d}"] = ExportRecord(runs=runs, watermark=watermark)
    backend = open_backend(load_settings(root, {}), org=ORG)
    return backend.write(doc, expected_serial=0)


def _render_seconds(path: Path) -> tuple[float, float, int]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(offline=True, viewport={"width": 1280, "height": 900}).new_page()
        started = time.perf_counter()
        page.goto(path.as_uri(), timeout=600_000)
        page.wait_for_function("document.documentElement.dataset.rendered !== undefined", timeout=600_000)
        elapsed = time.perf_counter() - started
        drawn = int(page.evaluate("document.querySelectorAll('.subplot.xy .point').length"))
        first = float(page.evaluate("document.documentElement.dataset.firstDrawnMs || 0")) / 1000
        browser.close()
    return elapsed, first, drawn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exports", type=int, default=200)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium render timing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pages: dict[str, Path] = {}
        for name, exports, runs in (("empty", 0, 0), ("full", args.exports, args.runs)):
            root = Path(tmp) / name
            synthetic_project(root, exports, runs)
            settings = load_settings(root, {})
            state = open_backend(settings, org=ORG).read()
            _, desired = load_declared(settings)
            started = time.perf_counter()
            compute_status(state, desired, NOW)
            status_s = time.perf_counter() - started
            started = time.perf_counter()
            data = build_report_data(state, desired, NOW)
            page = render_report_html(data).encode("utf-8")
            build_s = time.perf_counter() - started
            pages[name] = root / "report.html"
            pages[name].write_bytes(page)
            state_bytes = sum(p.stat().st_size for p in (root / ".aep-exports" / "state").rglob("*.json"))
            print(f"{name}: {exports} exports x {runs} runs = {data.run_count} runs drawn")
            print(f"  report size: {len(page) / 1e6:.2f} MB (state file {state_bytes / 1e6:.2f} MB)")
            print(
                f"  build time: {build_s:.2f} s (status over the same state: {status_s:.3f} s, "
                f"x{build_s / max(status_s, 1e-6):.0f})"
            )
        extra = pages["full"].stat().st_size - pages["empty"].stat().st_size
        print(
            f"size beyond the empty report (plotly.js): {extra / 1e6:.2f} MB "
            f"({extra / max(args.exports * args.runs, 1):.0f} bytes per run)"
        )
        if not args.no_browser:
            empty_s, _, _ = _render_seconds(pages["empty"])
            full_s, first_s, drawn = _render_seconds(pages["full"])
            print(
                f"render time in Chromium until every figure is drawn: {full_s:.2f} s "
                f"(empty report: {empty_s:.2f} s, x{full_s / empty_s:.1f}); {drawn} run marks drawn"
            )
            print(f"  first figure drawn after {first_s:.2f} s (the page is usable while the rest draw)")


if __name__ == "__main__":
    main()
