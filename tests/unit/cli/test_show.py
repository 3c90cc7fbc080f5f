"""``show PLAN_FILE``: a saved plan rendered as ``plan`` renders it, from anywhere, touching nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from aep_exports.cli.main import cli
from aep_exports.plan.model import Plan, PlanOptions
from aep_exports.plan.planner import PlanContext, make_plan
from aep_exports.plan.saved import save_plan
from aep_exports.render.json_view import render_plan_json
from aep_exports.render.markdown import render_plan_markdown
from aep_exports.render.text import render_plan_text
from support.plans import applied_dataset, applied_export, at, dataset, desired, export, live, run, state

NOW = at(hours=4)


def _plan() -> Plan:
    ds = dataset()
    doc = state(
        datasets={"target": applied_dataset(ds)},
        exports={"daily": applied_export(export(), [run(at(hours=3))])},
    )
    return make_plan(
        desired(
            ds, export(fields="identities.id,person.name"), dataset("new"), export("new", dataset_key="new")
        ),
        doc,
        live(NOW),
        NOW,
        PlanOptions(),
        context=PlanContext(platform="local", org="ORG@AdobeOrg", sandbox="dev", created_at=NOW),
    )


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty directory with no project above it and no aep-exports settings in the environment."""
    for name in list(os.environ):
        if name.startswith(("AEP_", "GITHUB_STEP")):
            monkeypatch.delenv(name)
    place = tmp_path / "nowhere"
    place.mkdir()
    monkeypatch.chdir(place)
    return place


def _listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_show_renders_a_saved_plan_in_each_format_from_anywhere(
    tmp_path: Path, elsewhere: Path, fmt: str
) -> None:
    plan = _plan()
    saved = tmp_path / "artifacts" / "plan.json"
    save_plan(plan, saved)
    before = _listing(tmp_path)
    result = CliRunner().invoke(cli, ["show", str(saved), "--format", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        assert result.output == render_plan_json(plan)
    elif fmt == "markdown":
        assert result.output == render_plan_markdown(plan)
        assert "**Plan: 1 dataset to create, 1 export to change" in result.output
    else:
        assert result.output.startswith(
            f"Saved plan {saved} for ORG@AdobeOrg/dev, made 2024-05-01T04:00:00Z from state serial 3.\n\n"
        )
        assert result.output.endswith(render_plan_text(plan))
        assert '~ change export "daily"' in result.output and '+ run export "new"' in result.output
    assert _listing(tmp_path) == before  # nothing written: no state, no lock, no platform data


def test_show_refuses_an_edited_plan_naming_the_action(tmp_path: Path, elsewhere: Path) -> None:
    saved = tmp_path / "plan.json"
    save_plan(_plan(), saved)
    data = json.loads(saved.read_text())
    run_export = next(a for a in data["actions"] if a["kind"] == "run_export")
    run_export["request_body"]["destination"]["datasetId"] = "elsewhere"
    saved.write_text(json.dumps(data))
    result = CliRunner().invoke(cli, ["show", str(saved)])
    assert result.exit_code == 1
    assert "was edited after it was made" in result.output and "run_export:new" in result.output
    as_json = CliRunner().invoke(cli, ["show", str(saved), "--format", "json"])
    assert as_json.exit_code == 1
    document = json.loads(as_json.stdout)
    assert document["errors"][0]["kind"] == "TamperedPlanError" and document["actions"] == []


def test_show_of_a_missing_file_is_a_one_line_error(elsewhere: Path) -> None:
    result = CliRunner().invoke(cli, ["show", "nope.json"])
    assert result.exit_code == 1 and "plan file nope.json does not exist" in result.output
    assert "Traceback" not in result.output
