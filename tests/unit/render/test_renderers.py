"""Text, Markdown and JSON views of plans and drift."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from aep_exports.plan.model import PlanOptions
from aep_exports.plan.planner import PlanContext, make_plan
from aep_exports.render.json_view import render_drift_json
from aep_exports.render.markdown import render_drift_markdown, render_plan_markdown
from aep_exports.render.style import use_colour
from aep_exports.render.text import render_drift_text, render_plan_text
from support.plans import (
    applied_dataset,
    applied_export,
    at,
    dataset,
    desired,
    export,
    live,
    live_body,
    run,
    state,
)

NOW = at(hours=4)


def mixed_plan():
    ds, other = dataset(), dataset("other")
    old, new = export(), export(fields="identities.id,person.name", timeout=timedelta(hours=1))
    doc = state(
        datasets={"target": applied_dataset(ds), "other": applied_dataset(other, "ds-2")},
        exports={
            "daily": applied_export(old, [run(at(hours=-21), window_from=at(hours=-45))]),
            "stuck": applied_export(export("stuck"), [run(at(hours=-21), "PROCESSING", job_id=4)]),
        },
    )
    snapshot = live(NOW, datasets={"ds-1": live_body(ds, name="Edited"), "ds-2": live_body(other)})
    return make_plan(
        desired(ds, new, export("stuck", timeout=timedelta(hours=1))),
        doc,
        snapshot,
        NOW,
        PlanOptions(prune=True),
        context=PlanContext(sandbox="dev"),
    )


def test_text_has_terraform_symbols_grouped_by_resource_and_a_summary():
    text = render_plan_text(mixed_plan())
    assert '  # dataset.other: no longer declared (--prune)\n  - delete dataset "other" (ds-2)' in text
    assert '  ~ update dataset "target" (ds-1) in place\n      ~ name: "Edited" -> "Target"' in text
    assert '  ! cancel job 4 of export "stuck" (timeout)' in text
    assert "window      = 2024-04-30T03:00:00Z → 2024-05-01T03:00:00Z" in text
    assert '~ fields: "identities.id" -> "identities.id,person.name"' in text
    assert "! dataset.target: dataset ds-1 was edited outside aep-exports" in text
    assert text.rstrip().endswith(
        "Plan: 1 dataset to update, 1 dataset to delete, 2 exports to run (1 with a changed spec), "
        "1 job to cancel."
    )
    assert "\x1b[" not in text


def test_colour_only_when_asked_and_never_with_no_color(monkeypatch):
    assert "\x1b[" in render_plan_text(mixed_plan(), colour=True)

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour(Tty()) is True
    assert use_colour(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_colour(Tty()) is False


def test_markdown_summary_details_windows_diff_and_drift():
    md = render_plan_markdown(mixed_plan())
    assert md.startswith("### aep-exports plan for sandbox `dev`\n\n**Plan: 1 dataset to update")
    assert "#### Changed outside aep-exports" in md and "🔴 | `dataset.target`" in md
    assert "<details><summary><code>+ export.daily</code>" in md
    assert "  - window: `2024-04-30T03:00:00Z → 2024-05-01T03:00:00Z`" in md
    assert '- fields = "identities.id"\n+ fields = "identities.id,person.name"' in md
    assert md.count("<details>") == md.count("</details>")


def test_markdown_is_cut_under_the_limit_with_a_note():
    many = [export(f"export-{i:04d}", "@hourly") for i in range(600)]
    plan = make_plan(desired(dataset(), *many), state(), live(NOW), NOW)
    md = render_plan_markdown(plan)
    assert len(md) <= 65_000
    assert "Output truncated" in md and "plan.json" in md
    assert "**Plan: 1 dataset to create, 600 exports to run.**" in md
    small = render_plan_markdown(plan, limit=10**7)
    assert "Output truncated" not in small and len(small) > 65_000


def test_no_changes_line():
    plan = make_plan(desired(), state(), live(NOW), NOW)
    assert render_plan_text(plan).strip() == "No changes. The platform matches the declarations."


def test_drift_views():
    plan = mixed_plan()
    text = render_drift_text(plan)
    assert text.startswith("Drift: 1 change made outside aep-exports, and")
    assert "Changed outside aep-exports:\n  ! dataset.target" in text
    data = json.loads(render_drift_json(plan))
    assert data["status"] == "drift" and data["exit_code"] == 3
    assert render_drift_markdown(plan).startswith("### aep-exports drift check for sandbox `dev`")
    quiet = make_plan(desired(), state(), live(NOW), NOW)
    assert render_drift_text(quiet).startswith("In sync")
    assert json.loads(render_drift_json(quiet))["exit_code"] == 0
