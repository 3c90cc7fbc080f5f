"""The Mermaid gantt of a plan: one section per export run, a bar per window, small, escaped."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aep_exports.plan.actions import RunExport
from aep_exports.plan.planner import make_plan
from aep_exports.render.markdown import render_plan_markdown
from aep_exports.render.mermaid import MAX_EXPORTS, RECENT_RUNS, mermaid_text, plan_gantt
from support.gantt_cases import CASES
from support.plans import applied_dataset, at, dataset, desired, export, live, state

# The subset of Mermaid's gantt grammar the renderer uses, line by line.
HEADER = [
    "```mermaid",
    "gantt",
    "    title Runs this plan starts, after their recent runs (UTC)",
    "    dateFormat YYYY-MM-DD HH:mm:ss",
    "    axisFormat %m-%d %H:%M",
    "    todayMarker off",
]
SECTION = re.compile(r"^    section ([a-z0-9_-]+)$")
STAMP = r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)"
TASK = re.compile(rf"^    ([A-Za-z0-9 _.()/+-]+) :(?:(active|done|crit), )?t(\d+), {STAMP}, {STAMP}$")
KEY = re.compile(r"^[a-z][a-z0-9]*([-_][a-z0-9]+)*$")


def parse(block: str) -> dict[str, list[tuple[str, str, datetime, datetime]]]:
    lines = block.split("\n")
    assert lines[: len(HEADER)] == HEADER
    end = lines.index("```")
    sections: dict[str, list[tuple[str, str, datetime, datetime]]] = {}
    current: list[tuple[str, str, datetime, datetime]] = []
    ids: list[int] = []
    for line in lines[len(HEADER) : end]:
        if match := SECTION.match(line):
            current = sections.setdefault(match.group(1), [])
            continue
        match = TASK.match(line)
        assert match, line
        name, tag, ident, start, stop = match.groups()
        begin, finish = (datetime.strptime(v, "%Y-%m-%d %H:%M:%S") for v in (start, stop))
        assert begin < finish, line
        ids.append(int(ident))
        current.append((name, tag or "", begin, finish))
    assert ids == list(range(len(ids)))
    return sections


@pytest.mark.parametrize("name", sorted(CASES))
def test_gantt_has_a_section_per_run_export_and_a_bar_per_recent_run(name):
    plan, history = CASES[name]()
    block = plan_gantt(plan, history)
    runs = [a for a in plan.actions if isinstance(a, RunExport)]
    markdown = render_plan_markdown(plan, history=history)
    if not runs:
        assert block == "" and "```mermaid" not in markdown
        return
    assert block in markdown and len(markdown) < 65_536
    sections = parse(block)
    shown = runs[:MAX_EXPORTS]
    assert list(sections) == [a.key for a in shown]
    for action in shown:
        past = history[action.key].runs if action.key in history else []
        bars = sections[action.key]
        assert len(bars) == min(len(past), RECENT_RUNS) + 1
        assert bars[-1][:2] == (
            "planned run" + (" (all data)" if action.window_from is None else ""),
            "active",
        )
        assert bars[-1][3] == action.window_to.replace(tzinfo=None)
        for (label, tag, _, _), record in zip(
            bars, sorted(past, key=lambda r: r.slot)[-RECENT_RUNS:], strict=False
        ):
            assert label.startswith(f"job {record.job_id} {record.status}")
            assert tag == {"SUCCEEDED": "done", "FAILED": "crit", "CANCELLED": "crit"}[record.status]
    left_out = len(runs) - len(shown)
    assert (f"…and {left_out} more exports to run" in block) == (left_out > 0)


def test_unbounded_windows_start_together_at_the_left_edge():
    plan, history = CASES["unbounded-windows"]()
    bars = [bar for group in parse(plan_gantt(plan, history)).values() for bar in group]
    unbounded = [bar for bar in bars if bar[0].endswith("(all data)")]
    assert len(unbounded) == len(bars) == 4
    assert len({bar[2] for bar in unbounded}) == 1 and all(bar[2] < bar[3] for bar in unbounded)


def test_a_plan_running_hundreds_of_exports_keeps_its_gantt_small():
    ds = dataset()
    wants = [export(f"export-{i:03d}", "@hourly") for i in range(400)]
    plan = make_plan(
        desired(ds, *wants),
        state(datasets={"target": applied_dataset(ds)}),
        live(at(hours=4), datasets={"ds-1": dict(ds.body)}),
        at(hours=4),
    )
    block = plan_gantt(plan, {})
    assert len(parse(block)) == MAX_EXPORTS and "…and 392 more exports to run" in block
    assert len(block) < 3_000


@given(st.text())
def test_mermaid_text_leaves_only_literal_characters(text):
    cleaned = mermaid_text(text)
    assert cleaned and re.fullmatch(r"[A-Za-z0-9 _.()/+-]+", cleaned)
    assert not cleaned.startswith(" ") and not cleaned.endswith(" ")


@given(st.from_regex(KEY, fullmatch=True))
def test_mermaid_text_keeps_declaration_keys_as_they_are(key):
    assert mermaid_text(key) == key
