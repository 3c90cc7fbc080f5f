"""With the state lost, ``plan`` finds the platform's datasets (by name) and recent jobs (by job identity)
that match declarations and proposes the exact ``import`` commands; it never adopts them by itself."""

from __future__ import annotations

import re
import shutil

import pytest

from aep_exports.config.values import parse_rfc3339
from support.declarations import PLAN_EXPORTS
from support.outside import make_outside
from support.projects import Project, ProjectFactory

FIRST, NEXT_DAY = "2024-05-01T04:00:00Z", "2024-05-02T04:00:00Z"
OTHER_POLICY = "0bf16e61-90e9-4204-b8fa-ad250360957b"
IMPORT = re.compile(r"aep-exports import (dataset|export) (\S+) (\S+)")


@pytest.fixture
def project(make_project: ProjectFactory) -> Project:
    return make_project(PLAN_EXPORTS)


def _lose_state(project: Project) -> None:
    directory = project.settings.state_dir
    assert directory is not None and directory.is_dir()
    shutil.rmtree(directory)


def _kinds(output: str) -> list[str]:
    return re.findall(r"^  ([+~-]) (create dataset|run export) ", output, flags=re.MULTILINE)


def test_lost_state_plan_proposes_the_exact_imports_and_adopts_nothing(project: Project) -> None:
    applied = project.cli("apply", "--auto-approve", "--wait", "--now", FIRST)
    assert applied.exit_code == 0, applied.output
    before = project.state()
    dataset_id = before.datasets["target"].id
    (run,) = before.exports["daily"].runs
    _lose_state(project)

    planned = project.cli("plan", "--now", NEXT_DAY)
    assert planned.exit_code == 0, planned.output
    commands = IMPORT.findall(planned.output)
    expected = [("dataset", "target", dataset_id), ("export", "daily", str(run.job_id))]
    assert commands == expected, planned.output
    assert _kinds(planned.output) == [("+", "create dataset"), ("+", "run export")]  # the plan is unchanged
    assert "window      = (everything)" in planned.output
    assert project.state().is_empty  # nothing was adopted

    for resource, key, ident in commands:  # run them as printed
        imported = project.cli("import", resource, key, ident)
        assert imported.exit_code == 0, imported.output
    resumed = project.cli("plan", "--now", NEXT_DAY)
    assert resumed.exit_code == 0, resumed.output
    assert _kinds(resumed.output) == [("+", "run export")] and IMPORT.findall(resumed.output) == []
    assert "window      = 2024-05-01T03:00:00Z → 2024-05-02T03:00:00Z" in resumed.output, resumed.output


def test_resources_that_do_not_match_are_not_proposed(project: Project) -> None:
    with project.client() as client:
        client.local_admin.set_clock(parse_rfc3339(FIRST))
        make_outside(client, project, dataset_changes={"name": "Someone else's"})
        make_outside(client, project, job_changes={"mergePolicy": {"id": OTHER_POLICY}})
    planned = project.cli("plan", "--now", NEXT_DAY)
    assert planned.exit_code == 0, planned.output
    # one dataset has the declared name: proposed; its job names another merge policy: not proposed
    ((resource, key, _),) = IMPORT.findall(planned.output)
    assert (resource, key) == ("dataset", "target"), planned.output


def test_several_datasets_of_the_declared_name_are_all_named(project: Project) -> None:
    with project.client() as client:
        first, _ = make_outside(client, project)
        second, _ = make_outside(client, project)
    planned = project.cli("plan")
    assert planned.exit_code == 0, planned.output
    warning = next(line for line in planned.output.splitlines() if first in line)
    assert second in warning and "aep-exports import dataset target ID" in warning, warning
    assert "import export" not in planned.output  # which dataset its job belongs to is not known yet
