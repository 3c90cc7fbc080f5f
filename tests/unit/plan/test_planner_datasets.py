"""Planner rules for datasets: create, update, replace, orphaned, prune, protect, drift."""

from __future__ import annotations

import pytest

from aep_exports.plan.model import PlanOptions
from aep_exports.plan.planner import make_plan
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

NOW = at(hours=1)  # 01:00, before the daily 03:00 slot


def kinds(plan):
    return [(a.kind, a.key) for a in plan.actions]


def drift(plan, kind=None):
    return [(f.kind, f.key, f.message) for f in plan.drift if kind is None or f.kind == kind]


def test_declared_missing_dataset_is_created_before_the_export_that_writes_into_it():
    want_ds, want_ex = dataset(), export()
    plan = make_plan(desired(want_ex, want_ds), state(), live(NOW), NOW)
    assert kinds(plan) == [("create_dataset", "target"), ("run_export", "daily")]
    run_action = plan.actions[1]
    assert run_action.dataset_id is None and run_action.dataset_key == "target"
    assert run_action.request_body["destination"]["datasetId"] == "${dataset:target}"
    assert run_action.after == ["create_dataset:target"]
    assert run_action.resolved_body({"target": "abc"})["destination"]["datasetId"] == "abc"
    assert plan.summary_line() == "Plan: 1 dataset to create, 1 export to run."
    assert {f.kind for f in plan.drift} == {"pending"}


def test_dataset_in_sync_plans_nothing_and_server_fields_never_count():
    want = dataset(tags={"team": ["crm"]})
    doc = state(datasets={"target": applied_dataset(want)})
    snapshot = live(NOW, datasets={"ds-1": live_body(want, tags={"team": ["crm"], "adobe/system": ["x"]})})
    plan = make_plan(desired(want), doc, snapshot, NOW)
    assert plan.actions == () and plan.drift == ()


UPDATE_CASES = [
    ("name", {"name": "Renamed"}, {}, "name"),
    ("description", {"description": "new words"}, {}, "description"),
    ("tags", {"tags": {"team": ["ops"]}}, {"tags": {"team": ["crm"]}}, "tags"),
]


@pytest.mark.parametrize(("label", "declared", "before", "field"), UPDATE_CASES)
def test_patchable_field_changed_in_declaration_is_an_update(label, declared, before, field):
    old = dataset(**before)
    new = dataset(**{**before, **declared})
    doc = state(datasets={"target": applied_dataset(old)})
    plan = make_plan(desired(new), doc, live(NOW, datasets={"ds-1": live_body(old)}), NOW)
    assert kinds(plan) == [("update_dataset", "target")]
    action = plan.actions[0]
    assert list(action.patch) == [field] and action.patch[field] == new.body[field]
    assert action.dataset_id == "ds-1"
    assert drift(plan, "pending") and not drift(plan, "out_of_band")


def test_edit_out_of_band_is_drift_and_is_reverted_by_an_update():
    want = dataset()
    doc = state(datasets={"target": applied_dataset(want)})
    plan = make_plan(desired(want), doc, live(NOW, datasets={"ds-1": live_body(want, name="Hacked")}), NOW)
    assert kinds(plan) == [("update_dataset", "target")]
    (finding,) = plan.out_of_band
    assert "edited outside" in finding.message
    assert [(c.path, c.before, c.after) for c in finding.changes] == [("name", "Target", "Hacked")]


def test_deleted_out_of_band_is_drift_and_recreated():
    want_ds, want_ex = dataset(), export()
    doc = state(
        datasets={"target": applied_dataset(want_ds)},
        exports={"daily": applied_export(want_ex, [run(at(hours=-21))])},
    )
    plan = make_plan(desired(want_ds, want_ex), doc, live(NOW, missing=("ds-1",)), NOW)
    assert kinds(plan) == [("create_dataset", "target")]
    assert [f.key for f in plan.out_of_band] == ["target"]
    assert "deleted outside" in plan.actions[0].reason


def test_immutable_change_needs_allow_replace():
    old = dataset()
    new = dataset(fileDescription={"persisted": True, "containerFormat": "parquet", "format": "json"})
    doc = state(datasets={"target": applied_dataset(old)})
    snapshot = live(NOW, datasets={"ds-1": live_body(old)})
    plan = make_plan(desired(new), doc, snapshot, NOW)
    assert plan.actions == ()
    assert "--allow-replace" in plan.errors[0].message
    assert plan.errors[0].location == "exports/target.yaml:2"
    replaced = make_plan(desired(new, export()), doc, snapshot, NOW, PlanOptions(allow_replace=True))
    assert kinds(replaced) == [("replace_dataset", "target"), ("run_export", "daily")]
    assert replaced.actions[0].old_dataset_id == "ds-1"
    assert replaced.actions[1].after == ["replace_dataset:target"]
    assert replaced.actions[1].dataset_key == "target"
    assert replaced.summary_line() == "Plan: 1 dataset to replace, 1 export to run."


def test_protected_dataset_is_never_replaced():
    old = dataset(protect=True)
    new = dataset(protect=True, aspect="staging")
    doc = state(datasets={"target": applied_dataset(old)})
    plan = make_plan(
        desired(new), doc, live(NOW, datasets={"ds-1": live_body(old)}), NOW, PlanOptions(allow_replace=True)
    )
    assert plan.actions == () and "protected" in plan.errors[0].message


ORPHAN_CASES = [
    # (protect, orphaned in state already, options, expected actions, expected words in warnings)
    (False, False, PlanOptions(), [("orphan_dataset", "old")], None),
    (False, True, PlanOptions(), [], None),
    (False, False, PlanOptions(prune=True), [("delete_dataset", "old")], None),
    (False, True, PlanOptions(prune=True), [("delete_dataset", "old")], None),
    (True, False, PlanOptions(prune=True), [("orphan_dataset", "old")], "protected"),
    (True, True, PlanOptions(prune=True), [], "protected"),
    (True, False, PlanOptions(forget=("old",)), [("forget", "old")], None),
]


@pytest.mark.parametrize(("protect", "orphaned", "options", "expected", "warning"), ORPHAN_CASES)
def test_orphaned_dataset(protect, orphaned, options, expected, warning):
    old = dataset("old", protect=protect)
    doc = state(datasets={"old": applied_dataset(old, "ds-9")})
    if orphaned:
        doc.mark_orphaned("dataset", "old")
    plan = make_plan(desired(), doc, live(NOW, datasets={"ds-9": live_body(old)}), NOW, options)
    assert kinds(plan) == expected
    assert plan.has_changes == bool(expected)
    if warning:
        assert any(warning in w.message for w in plan.warnings)
    elif not expected:  # already orphaned: said once more, as information, not a warning
        assert not plan.warnings and any("no longer declared" in i.message for i in plan.infos)


def test_forget_of_a_declared_key_is_an_error():
    want = dataset()
    plan = make_plan(
        desired(want),
        state(datasets={"target": applied_dataset(want)}),
        live(NOW),
        NOW,
        PlanOptions(forget=("target",)),
    )
    assert "--forget target" in plan.errors[0].message
