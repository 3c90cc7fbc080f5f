"""The report page as text: self-contained, escaped, one row and one figure per export, a mark per run."""

from __future__ import annotations

import json
import re
from collections import Counter
from html.parser import HTMLParser

import pytest

from aep_exports.ops.report_data import build_report_data
from aep_exports.render.report_html import render_report_html
from support.plans import applied_export, at, desired, export, run, state

NOW = at(days=3, hours=4)
HOSTILE = "</script><script>alert(1)</script> & <b>"


class _Page(HTMLParser):
    """Collects external references, figure specs and the summary table's rows."""

    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []
        self.specs: list[str] = []
        self.rows: list[dict[str, str]] = []
        self._in_spec = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("src", "href"):
            value = found.get(name) or ""
            if value and not value.startswith("#"):
                self.external.append(f"{tag} {name}={value}")
        if tag == "link":
            self.external.append("link")
        self._in_spec = tag == "script" and found.get("class") == "figure-spec"
        if tag == "tr" and "data-key" in found:
            self.rows.append({k: v or "" for k, v in found.items()})

    def handle_data(self, data: str) -> None:
        if self._in_spec:
            self.specs.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_spec = False


@pytest.fixture(scope="module")
def page() -> tuple[str, _Page]:
    daily = export("daily")
    snapshot = export("snapshot", incremental=False)
    runs = [
        run(at(hours=3), job_id=1),
        run(
            at(days=1, hours=3),
            "FAILED",
            window_from=at(hours=3),
            job_id=2,
            errors=[{"msg": HOSTILE}],
            note=HOSTILE,
        ),
        run(at(days=2, hours=3), window_from=at(hours=3), job_id=3),
    ]
    doc = state(
        exports={
            "daily": applied_export(daily, runs),
            "snapshot": applied_export(snapshot, [run(at(days=2, hours=3), job_id=9)]),
        }
    )
    text = render_report_html(build_report_data(doc, desired(daily, snapshot), NOW))
    parsed = _Page()
    parsed.feed(text)
    return text, parsed


def test_the_page_loads_nothing_from_elsewhere(page):
    text, parsed = page
    assert parsed.external == []
    assert text.count("<script>") == 2 and "Plotly.newPlot" in text  # plotly.js and ours, inline
    assert not re.search(r"<script[^>]+src=", text)


def test_state_text_cannot_break_out_of_the_page(page):
    text, parsed = page
    assert "<script>alert(1)" not in text
    assert len(parsed.specs) == 2  # every figure's JSON stayed inside its script block
    hovers = [
        h for spec in parsed.specs for trace in json.loads(spec)["data"] for h in trace.get("hovertext", [])
    ]
    assert any("&lt;/script&gt;&lt;script&gt;alert(1)" in h and "&amp;" in h for h in hovers)


def test_one_summary_row_and_one_figure_per_export_with_a_mark_per_run(page):
    _, parsed = page
    assert [(r["data-key"], r["data-health"], r["data-last"]) for r in parsed.rows] == [
        ("daily", "healthy", "succeeded"),
        ("snapshot", "healthy", "succeeded"),
    ]
    daily, snapshot = (json.loads(spec) for spec in parsed.specs)

    def lane_marks(figure):
        counts: Counter[str] = Counter()
        for trace in figure["data"]:
            if trace.get("xaxis", "x") == "x":
                counts[trace["name"]] += len(trace["y"])
        return dict(counts)

    # The first incremental run (no `from`) is a bar from the left edge; a full export's are diamonds.
    assert lane_marks(daily) == {"succeeded": 2, "failed": 1}
    assert lane_marks(snapshot) == {"succeeded (all data)": 1}
    assert [s["name"] for s in daily["layout"]["shapes"]] == ["now", "watermark", "next slot"]
