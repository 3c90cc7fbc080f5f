"""``protect: true`` added to an existing dataset is recorded, and ``--prune`` then never deletes it.

``protect`` is aep-exports' own flag (never sent to the platform), so flipping it used to plan nothing:
state kept ``protect: false``, and once the declaration was removed ``plan --prune`` planned
``- delete dataset``, against the README's promise.
"""

from __future__ import annotations

from support.declarations import PLAN_EXPORTS
from support.projects import Project

NOW = "2024-05-01T04:00:00Z"
PROTECTED = PLAN_EXPORTS.replace(
    "    description: written by the plan integration tests\n",
    "    description: written by the plan integration tests\n    protect: true\n",
)
DATASET_ONLY_GONE = "exports: {}\n"


def test_a_protect_flip_is_planned_recorded_and_honoured_by_prune(project: Project) -> None:
    assert PROTECTED != PLAN_EXPORTS
    first = project.cli("apply", "--auto-approve", "--now", NOW)
    assert first.exit_code == 0, first.output
    dataset_id = project.state().datasets["target"].id
    assert project.state().datasets["target"].spec.protect is False

    (project.root / "exports" / "main.yaml").write_text(PROTECTED)
    planned = project.cli("plan", "--detailed-exitcode", "--now", NOW)
    assert planned.exit_code == 2, planned.output  # a change: state records the flag
    assert "protect" in planned.output and "No changes" not in planned.output, planned.output
    drift = project.cli("drift", "--now", NOW)
    assert drift.exit_code == 2 and "protect" in drift.output, drift.output
    applied = project.cli("apply", "--auto-approve", "--now", NOW)
    assert applied.exit_code == 0, applied.output
    assert project.state().datasets["target"].spec.protect is True
    again = project.cli("plan", "--detailed-exitcode", "--now", NOW)
    assert again.exit_code == 0, again.output

    # The declaration (and the export writing into it) removed: prune never deletes a protected dataset.
    (project.root / "exports" / "main.yaml").write_text(DATASET_ONLY_GONE)
    pruning = project.cli("plan", "--prune", "--now", NOW)
    assert "delete dataset" not in pruning.output, pruning.output
    assert "protected; not deleted" in pruning.output, pruning.output
    pruned = project.cli("apply", "--auto-approve", "--prune", "--now", NOW)
    assert "protected; not deleted" in pruned.output, pruned.output
    assert project.state().datasets["target"].id == dataset_id
    with project.client() as client:
        assert client.get_dataset(dataset_id).id == dataset_id
