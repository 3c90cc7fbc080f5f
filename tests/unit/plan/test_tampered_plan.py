"""A saved plan edited by hand is refused, naming the action (issue 14, item 4): every action carries the
digest of its content, and loading the plan checks each one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aep_exports.errors import StalePlanError, TamperedPlanError
from aep_exports.plan.actions import ACTION_TYPES, AddExport, RetryExport
from aep_exports.plan.desired import DesiredMove
from aep_exports.plan.model import Action, Plan, PlanOptions, RestateRequest
from aep_exports.plan.planner import make_plan
from aep_exports.plan.saved import load_saved_plan, save_plan
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


def _every_kind() -> list[Action]:
    """One action of every kind, from plans the planner made (retry and add are made from their kin)."""
    ds, old = dataset(), export()
    history = {"daily": applied_export(old, [run(at(hours=-21), window_from=at(hours=-45))])}
    plans = [
        # create_dataset, run_export
        make_plan(desired(dataset("new"), export("new", dataset_key="new")), state(), live(NOW), NOW),
        # update_dataset, delete_dataset, cancel_job, orphan_export (a removed export)
        make_plan(
            desired(dataset(name="Renamed"), export("stuck", timeout=None)),
            state(
                datasets={"target": applied_dataset(ds), "other": applied_dataset(dataset("other"), "ds-2")},
                exports={"gone": applied_export(export("gone"), [run(at(hours=3), "PROCESSING", job_id=8)])},
            ),
            live(NOW, datasets={"ds-1": live_body(ds), "ds-2": live_body(dataset("other"))}),
            NOW,
            PlanOptions(prune=True),
        ),
        # replace_dataset
        make_plan(
            desired(dataset(aspect="staging")),
            state(datasets={"target": applied_dataset(ds)}),
            live(NOW, datasets={"ds-1": live_body(ds)}),
            NOW,
            PlanOptions(allow_replace=True),
        ),
        # restate_export (and its run)
        make_plan(
            desired(ds, old),
            state({"target": applied_dataset(ds)}, dict(history)),
            live(NOW),
            NOW,
            PlanOptions(restate=(RestateRequest(key="daily"),)),
        ),
        # move_state
        make_plan(
            desired(ds, export("renamed"), moves=(DesiredMove("export", "daily", "renamed"),)),
            state({"target": applied_dataset(ds)}, dict(history)),
            live(NOW),
            at(hours=-20),
        ),
        # forget
        make_plan(
            desired(), state({"target": applied_dataset(ds)}), live(NOW), NOW, PlanOptions(forget=("target",))
        ),
        # orphan_dataset (a removed dataset, without --prune)
        make_plan(
            desired(ds),
            state({"target": applied_dataset(ds), "other": applied_dataset(dataset("other"), "ds-2")}),
            live(NOW, datasets={"ds-1": live_body(ds), "ds-2": live_body(dataset("other"))}),
            NOW,
        ),
        # update_export
        make_plan(
            desired(ds, export(fields="a")),
            state({"target": applied_dataset(ds)}, {"daily": applied_export(old, [run(at(hours=3))])}),
            live(NOW),
            NOW,
        ),
    ]
    found: dict[str, Action] = {}
    for plan in plans:
        assert not plan.errors, plan.errors
        for action in plan.actions:
            found.setdefault(action.kind, action)
    kin = {**found["run_export"].model_dump(mode="json", exclude={"digest"})}
    found["retry_export"] = RetryExport.model_validate(
        {**kin, "kind": "retry_export", "attempt": 2, "attempts": 3}
    )
    update = found["update_export"].model_dump(mode="json", exclude={"digest"})
    found["add_export"] = AddExport.model_validate({**update, "kind": "add_export", "changes": []})
    assert set(found) == {kind.model_fields["kind"].default for kind in ACTION_TYPES}
    return list(found.values())


ACTIONS = _every_kind()
# The field of each kind that carries what apply sends or records: the one a hand edit would change.
BODY_FIELDS = (
    "request_body", "body", "patch", "window_from", "job_id", "old_key", "dataset_id", "resource", "reason"
)


def _edited(value: Any) -> Any:
    if isinstance(value, dict):
        return {**value, "edited": True}
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if value == "dataset":
        return "export"
    if isinstance(value, str) and value.startswith("20"):
        return "2020-01-01T00:00:00Z"
    return f"{value}-edited" if value is not None else "2020-01-01T00:00:00Z"


def _saved(tmp_path: Path, actions: list[Action]) -> Path:
    plan = Plan(created_at=NOW, now=NOW, actions=tuple(actions))
    path = tmp_path / "plan.json"
    save_plan(plan, path)
    return path


@pytest.mark.parametrize("action", ACTIONS, ids=[a.kind for a in ACTIONS])
def test_a_saved_plan_whose_action_body_was_edited_is_refused_naming_it(
    tmp_path: Path, action: Action
) -> None:
    path = _saved(tmp_path, [action])
    assert load_saved_plan(path).actions == (action,)  # as saved, it loads
    data = json.loads(path.read_text())
    saved = data["actions"][0]
    field = next(f for f in BODY_FIELDS if f in saved)
    saved[field] = _edited(saved[field])
    path.write_text(json.dumps(data))
    with pytest.raises(TamperedPlanError, match="was edited after it was made") as caught:
        load_saved_plan(path)
    message = str(caught.value)
    assert f"action 1 ({action.label} {action.key}, " in message and "does not match its digest" in message
    assert isinstance(caught.value, StalePlanError)  # the exit code of a stale plan


def test_the_window_and_destination_of_a_run_cannot_be_edited(tmp_path: Path) -> None:
    """The case the adversarial run found: ``from`` and the destination changed in the request body."""
    runs = [a for a in ACTIONS if a.kind == "run_export"]
    path = _saved(tmp_path, [a for a in ACTIONS if a.kind == "create_dataset"] + runs)
    data = json.loads(path.read_text())
    body = data["actions"][1]["request_body"]
    body["destination"]["datasetId"] = "someone-elses-dataset"
    body.setdefault("filter", {})["fromIngestTimestamp"] = "2020-01-01T00:00:00Z"
    path.write_text(json.dumps(data))
    with pytest.raises(TamperedPlanError, match=r"action 2 \(run export new, run_export:new\)"):
        load_saved_plan(path)


def test_a_removed_digest_is_refused(tmp_path: Path) -> None:
    path = _saved(tmp_path, ACTIONS[:2])
    data = json.loads(path.read_text())
    del data["actions"][1]["digest"]
    path.write_text(json.dumps(data))
    with pytest.raises(TamperedPlanError, match=r"action 2 .* has no digest"):
        load_saved_plan(path)


def test_an_edited_reason_is_an_edit_too(tmp_path: Path) -> None:
    path = _saved(tmp_path, ACTIONS)
    data = json.loads(path.read_text())
    data["actions"][-1]["reason"] = "looks harmless"
    path.write_text(json.dumps(data))
    with pytest.raises(TamperedPlanError, match=f"action {len(ACTIONS)} "):
        load_saved_plan(path)


# A whole-plan seal: deleting, adding, duplicating or moving an action, or editing the header a plan is
# checked against, leaves every action's own digest intact; the seal over all of them catches it.
def _delete_one(data: dict[str, Any]) -> None:
    del data["actions"][1]


def _swap_two(data: dict[str, Any]) -> None:
    actions = data["actions"]
    actions[0], actions[1] = actions[1], actions[0]


def _duplicate_one(data: dict[str, Any]) -> None:
    data["actions"].append(data["actions"][-1])


def _add_one(data: dict[str, Any]) -> None:
    data["actions"].append(ACTIONS[0].model_dump(mode="json"))


def _keep_only_the_first(data: dict[str, Any]) -> None:
    data["actions"] = data["actions"][:1]


def _edit_serial(data: dict[str, Any]) -> None:
    data["state_serial"] += 1


def _edit_lineage(data: dict[str, Any]) -> None:
    data["state_lineage"] = "another-lineage"


def _edit_declarations(data: dict[str, Any]) -> None:
    data["declarations_digest"] = "sha256:" + "0" * 64


def _edit_now(data: dict[str, Any]) -> None:
    data["now"] = "2020-01-01T00:00:00Z"


def _edit_sandbox(data: dict[str, Any]) -> None:
    data["sandbox"] = "prod"


def _edit_platform(data: dict[str, Any]) -> None:
    data["platform"] = "https://platform.adobe.io"


def _drop_seal(data: dict[str, Any]) -> None:
    del data["seal"]


SEAL_EDITS = [
    _delete_one,
    _swap_two,
    _duplicate_one,
    _add_one,
    _keep_only_the_first,
    _edit_serial,
    _edit_lineage,
    _edit_declarations,
    _edit_now,
    _edit_sandbox,
    _edit_platform,
    _drop_seal,
]


def _sealed(tmp_path: Path) -> Path:
    plan = Plan(
        created_at=NOW,
        now=NOW,
        sandbox="dev",
        platform="local",
        state_lineage="lineage-1",
        state_serial=7,
        declarations_digest="sha256:" + "1" * 64,
        actions=tuple(ACTIONS[1:5]),
    )
    path = tmp_path / "plan.json"
    save_plan(plan, path)
    return path


@pytest.mark.parametrize("edit", SEAL_EDITS, ids=[e.__name__.lstrip("_") for e in SEAL_EDITS])
def test_a_saved_plan_whose_list_of_actions_or_header_was_changed_is_refused(
    tmp_path: Path, edit: Any
) -> None:
    path = _sealed(tmp_path)
    untouched = load_saved_plan(path)  # as saved, it loads
    assert untouched.actions == tuple(ACTIONS[1:5]) and untouched.state_serial == 7
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
    with pytest.raises(TamperedPlanError, match="was edited after it was made") as caught:
        load_saved_plan(path)
    message = str(caught.value)
    expected = "has no seal" if edit is _drop_seal else "its list of actions or its header was changed"
    assert expected in message, message
    assert caught.value.exit_code == 1


def test_the_seal_does_not_depend_on_how_the_file_is_laid_out(tmp_path: Path) -> None:
    """Re-indenting or reordering keys (a JSON formatter, a viewer) is not an edit."""
    path = _sealed(tmp_path)
    data = json.loads(path.read_text())
    path.write_text(json.dumps(dict(reversed(list(data.items()))), separators=(",", ":")))
    assert load_saved_plan(path).actions == tuple(ACTIONS[1:5])
