"""An export naming a raw dataset id: ``plan`` reads the dataset by id and refuses one that does not exist;
an apply that still fails on it prints the platform's error once."""

from __future__ import annotations

from pathlib import Path

from support.declarations import PLAN_EXPORTS
from support.projects import Project, ProjectFactory

T = "2024-05-01T04:00:00Z"
NO_SUCH_DATASET = "5b020a27e7040801dedba61b"


def _raw_export(dataset_id: str) -> str:
    return PLAN_EXPORTS + f"  raw:\n    dataset: {dataset_id}\n    schedule: manual\n"


def _line(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def test_plan_refuses_a_dataset_id_the_sandbox_does_not_have(make_project: ProjectFactory) -> None:
    declared = _raw_export(NO_SUCH_DATASET)
    project = make_project(declared)
    assert project.cli("validate").exit_code == 0  # offline: the id is well formed
    result = project.cli("plan", "--now", T)
    assert result.exit_code == 1, result.output
    error = (
        f"exports/main.yaml:{_line(declared, NO_SUCH_DATASET)}: export raw: dataset {NO_SUCH_DATASET!r} "
        "does not exist in sandbox 'dev'"
    )
    assert result.output.count(error) == 1, result.output  # printed once, with the plan
    assert "Error: the plan has 1 error (above)" in result.output
    forced = project.cli("apply", "--run", "raw", "--auto-approve", "--now", T)
    assert forced.exit_code == 1 and forced.output.count(error) == 1, forced.output
    with project.client() as client:
        assert client.list_export_jobs() == []  # nothing was sent


def _outside_dataset(project: Project) -> str:
    from aep_exports.cli.wiring import load_declared

    _, desired = load_declared(project.settings)
    with project.client() as client:
        return client.create_dataset({**desired.datasets["target"].body, "name": "Made elsewhere"})


def test_an_existing_dataset_id_plans_and_a_failed_run_is_reported_once(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    project = make_project()
    dataset_id = _outside_dataset(project)
    (project.root / "exports" / "main.yaml").write_text(_raw_export(dataset_id))
    saved = tmp_path / "plan.json"
    planned = project.cli("plan", "--run", "raw", "--target", "raw", "--now", T, "-o", str(saved))
    assert planned.exit_code == 0, planned.output
    with project.client() as client:
        client.delete_dataset(dataset_id)  # gone between the plan and the apply
    applied = project.cli("apply", str(saved))
    assert applied.exit_code == 1, applied.output
    assert applied.output.count(f"dataset '{dataset_id}'") == 1, applied.output
    assert "Error: apply did not fully succeed: 1 action failed" in applied.output
