"""Saved plans: round trip, schema up to date, staleness."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest

from aep_exports.errors import PlanError, StalePlanError
from aep_exports.plan.model import PlanOptions
from aep_exports.plan.planner import PlanContext, make_plan
from aep_exports.plan.saved import check_fresh, ensure_fresh, load_saved_plan, plan_json_schema, save_plan
from aep_exports.render.markdown import render_plan_markdown
from aep_exports.render.text import render_plan_text
from support.plans import applied_dataset, applied_export, at, dataset, desired, export, live, run, state

SCHEMA = Path(__file__).parents[3] / "schemas" / "plan.schema.json"


def rich_plan():
    ds, new_ds = dataset(), dataset("fresh")
    old, changed = export(), export(fields="a,b", timeout=timedelta(hours=1))
    doc = state(
        datasets={"target": applied_dataset(ds)},
        exports={
            "daily": applied_export(old, [run(at(hours=-21), window_from=at(hours=-45))]),
            "gone": applied_export(export("gone"), [run(at(hours=2), "PROCESSING", job_id=8)]),
        },
    )
    return make_plan(
        desired(ds, new_ds, changed, export("fresh-daily", dataset_key="fresh")),
        doc,
        live(at(hours=4)),
        at(hours=4),
        PlanOptions(prune=True),
        context=PlanContext(platform="local", org="ORG@AdobeOrg", sandbox="dev"),
    ), doc


def test_round_trip_renders_the_same(tmp_path):
    plan, _ = rich_plan()
    assert {a.kind for a in plan.actions} == {"create_dataset", "run_export", "cancel_job", "orphan_export"}
    save_plan(plan, tmp_path / "plan.json")
    loaded = load_saved_plan(tmp_path / "plan.json")
    assert loaded == plan
    assert render_plan_text(loaded) == render_plan_text(plan)
    assert render_plan_markdown(loaded) == render_plan_markdown(plan)


def test_saved_plan_validates_against_the_committed_schema(tmp_path):
    plan, _ = rich_plan()
    jsonschema.validate(json.loads(plan.to_json()), json.loads(SCHEMA.read_text()))


def test_committed_schema_is_up_to_date():
    expected = json.dumps(plan_json_schema(), indent=2, sort_keys=True) + "\n"
    assert SCHEMA.read_text() == expected, "regenerate schemas/plan.schema.json (see readme-plan)"


def test_staleness():
    plan, doc = rich_plan()
    assert check_fresh(plan, doc, "d1") == []
    doc.serial += 1
    assert check_fresh(plan, doc, "d2") == [
        "the state was written since the plan was made (serial 3 → 4)",
        "the declarations under exports/ changed since the plan was made",
    ]
    doc.lineage = "other"
    with pytest.raises(StalePlanError, match="state was replaced"):
        ensure_fresh(plan, doc, "d1")


def test_a_plan_made_for_another_platform_is_stale_there():
    plan, doc = rich_plan()
    plan = plan.model_copy(update={"platform": "https://user:secret@platform.example"})
    assert check_fresh(plan, doc, "d1", platform=plan.platform) == []
    (change,) = check_fresh(plan, doc, "d1", platform="local")
    assert change == "the plan is for platform https://***@platform.example, the settings point at local"
    assert "secret" not in change


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not a readable JSON plan"),
        ('{"hello": 1}', "not a plan written by"),
        ('{"format_version": 99, "actions": []}', "format version 99"),
        ('{"format_version": 1, "actions": [{"kind": "explode"}]}', "damaged"),
    ],
)
def test_bad_plan_files_are_refused(tmp_path, content, message):
    path = tmp_path / "plan.json"
    path.write_text(content)
    with pytest.raises(PlanError, match=message):
        load_saved_plan(path)
