"""Planner rules for exports: schedules, windows, timeouts, forced/manual runs, removal, references, drift."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aep_exports.plan.live import LiveJob
from aep_exports.plan.model import PlanOptions, UpdateExport
from aep_exports.plan.planner import make_plan
from support.plans import (
    T0,
    applied_dataset,
    applied_export,
    at,
    dataset,
    desired,
    export,
    live,
    run,
    state,
)

DS = dataset()


def plan_for(want, runs, now, options=None, snapshot=None, with_record=True):
    exports = {want.key: applied_export(want, runs)} if with_record else {}
    doc = state(datasets={"target": applied_dataset(DS)}, exports=exports)
    return make_plan(desired(DS, want), doc, snapshot or live(now), now, options)


def runs_of(plan):
    return [a for a in plan.actions if a.kind == "run_export"]


# (description, schedule, history [(slot, status)], now, expected slot or None)
SCHEDULE_CASES = [
    ("never ran: due for the latest slot", "0 3 * * *", [], at(hours=5), at(hours=3)),
    ("never ran before the first slot of today: yesterday's", "0 3 * * *", [], at(hours=1), at(hours=-21)),
    ("ran for today's slot: not due", "0 3 * * *", [(at(hours=3), "SUCCEEDED")], at(hours=10), None),
    ("exactly at the slot: due", "0 3 * * *", [(at(hours=-21), "SUCCEEDED")], at(hours=3), at(hours=3)),
    (
        "one second before the slot: not due",
        "0 3 * * *",
        [(at(hours=-21), "SUCCEEDED")],
        at(hours=3) - timedelta(seconds=1),
        None,
    ),
    (
        "missed three slots collapse into one run",
        "0 3 * * *",
        [(at(days=-3, hours=3), "SUCCEEDED")],
        at(hours=4),
        at(hours=3),
    ),
    ("hourly", "@hourly", [(at(hours=1), "SUCCEEDED")], at(hours=2, minutes=30), at(hours=2)),
    (
        "failed run for this slot is not retried before the next slot",
        "0 3 * * *",
        [(at(hours=3), "FAILED")],
        at(hours=9),
        None,
    ),
    (
        "failed run is retried at the next slot",
        "0 3 * * *",
        [(at(hours=3), "FAILED")],
        at(days=1, hours=3),
        at(days=1, hours=3),
    ),
    ("manual export never runs on its own", None, [], at(days=5), None),
]


@pytest.mark.parametrize(
    ("label", "schedule", "history", "now", "slot"), SCHEDULE_CASES, ids=[c[0] for c in SCHEDULE_CASES]
)
def test_schedule(label, schedule, history, now, slot):
    want = export(schedule=schedule)
    runs = [run(s, st, job_id=i + 1) for i, (s, st) in enumerate(history)]
    plan = plan_for(want, runs, now, with_record=bool(history))
    planned = runs_of(plan)
    if slot is None:
        assert planned == []
    else:
        assert [a.slot for a in planned] == [slot]
        assert planned[0].window_to == slot


def test_due_run_is_information_not_pending_drift():
    want = export()
    plan = plan_for(want, [run(at(hours=-21))], at(hours=4))
    assert len(runs_of(plan)) == 1
    assert plan.pending == () and plan.out_of_band == ()
    assert [f.kind for f in plan.drift] == ["info"]
    assert any("due by schedule" in i.message for i in plan.infos)


WINDOW_CASES = [
    # (description, history, expected from)
    ("first incremental run is a full export", [], None),
    ("from = to of the last succeeded run", [(at(hours=-21), "SUCCEEDED", at(hours=-45))], at(hours=-21)),
    (
        "failed run retried with the same from",
        [(at(hours=-45), "SUCCEEDED", None), (at(hours=-21), "FAILED", at(hours=-45))],
        at(hours=-45),
    ),
    (
        "cancelled run retried with the same from",
        [(at(hours=-45), "SUCCEEDED", None), (at(hours=-21), "CANCELLED", at(hours=-45))],
        at(hours=-45),
    ),
]


@pytest.mark.parametrize(
    ("label", "history", "expected_from"), WINDOW_CASES, ids=[c[0] for c in WINDOW_CASES]
)
def test_incremental_windows(label, history, expected_from):
    want = export()
    runs = [
        run(s, st, job_id=i + 1, window_from=f, cancelled_by_tool=True)
        for i, (s, st, f) in enumerate(history)
    ]
    (action,) = runs_of(plan_for(want, runs, at(hours=4), with_record=bool(history)))
    assert action.window_from == expected_from and action.window_to == at(hours=3)
    sent = action.request_body["filter"].get("fromIngestTimestamp")
    assert sent == (expected_from.strftime("%Y-%m-%dT%H:%M:%SZ") if expected_from else None)
    if expected_from is None:
        assert "full export" in action.reason


def test_non_incremental_export_never_sends_a_window():
    want = export(incremental=False)
    (action,) = runs_of(plan_for(want, [run(at(hours=-21))], at(hours=4)))
    assert action.window_from is None and "fromIngestTimestamp" not in action.request_body["filter"]


def test_never_two_unfinished_runs():
    want = export(timeout=timedelta(hours=30))
    plan = plan_for(want, [run(at(hours=-21), "PROCESSING", job_id=7)], at(hours=4))
    assert runs_of(plan) == []
    assert any("job 7" in i.message and "waits" in i.message for i in plan.infos)


def test_unresolved_intent_blocks_and_is_never_cancelled():
    want = export(timeout=timedelta(hours=1))
    plan = plan_for(want, [run(at(hours=-21), "UNKNOWN", job_id=None)], at(hours=4))
    assert plan.actions == ()
    assert any("look for its job" in i.message for i in plan.infos)


def test_timeout_cancels_and_the_next_slot_runs_after_the_cancel():
    want = export(timeout=timedelta(hours=2))
    plan = plan_for(
        want,
        [
            run(at(hours=-45), "SUCCEEDED", job_id=1),
            run(at(hours=-21), "PROCESSING", job_id=2, window_from=at(hours=-45)),
        ],
        at(hours=4),
    )
    cancel, again = plan.actions
    assert (cancel.kind, cancel.job_id, cancel.cause) == ("cancel_job", 2, "timeout")
    assert again.kind == "run_export" and again.after == ["cancel_job:daily:2"]
    # the stuck run never succeeded: the new run starts where it started (the last success's slot)
    assert again.window_from == at(hours=-45) and again.window_to == at(hours=3)


def test_timeout_not_reached_keeps_waiting():
    want = export(timeout=timedelta(hours=2))
    plan = plan_for(want, [run(at(hours=2, minutes=30), "PROCESSING", job_id=2)], at(hours=4))
    assert plan.actions == ()


def test_timed_out_run_for_the_current_slot_is_cancelled_and_due_again_next_slot():
    want = export(timeout=timedelta(minutes=30))
    plan = plan_for(want, [run(at(hours=3), "NEW", job_id=5)], at(hours=4))
    assert [(a.kind, getattr(a, "job_id", None)) for a in plan.actions] == [("cancel_job", 5)]


def test_disabled_export_never_runs():
    plan = plan_for(export(enabled=False), [], at(days=3), with_record=False)
    assert runs_of(plan) == [] and any("disabled" in i.message for i in plan.infos)
    # never declared before: a change to review (state only), not a run
    assert [a.kind for a in plan.actions] == ["add_export"]
    assert [f.message for f in plan.pending] == ["declared, never ran; disabled: no run until it is enabled"]


def test_forced_run_uses_now_as_slot_and_manual_needs_it():
    manual = export(schedule=None)
    now = at(hours=4, minutes=17)
    assert runs_of(plan_for(manual, [], now, with_record=False)) == []
    (forced,) = runs_of(plan_for(manual, [], now, PlanOptions(runs=("daily",)), with_record=False))
    assert (
        forced.forced
        and forced.slot == now
        and forced.window_to == now
        and forced.reason.startswith("forced with --run")
    )
    scheduled = export()
    (again,) = runs_of(plan_for(scheduled, [run(at(hours=3))], now, PlanOptions(runs=("daily",))))
    assert again.slot == now and again.window_from == at(hours=3)


def test_forced_run_while_unfinished_is_an_error():
    plan = plan_for(
        export(), [run(at(hours=3), "PROCESSING", job_id=9)], at(hours=4), PlanOptions(runs=("daily",))
    )
    assert runs_of(plan) == [] and "--run daily" in plan.errors[0].message


def test_unknown_run_and_select_keys_are_errors():
    plan = plan_for(
        export(), [], at(hours=4), PlanOptions(runs=("nope",), select=("other",)), with_record=False
    )
    messages = [e.message for e in plan.errors]
    assert "--select other: no dataset or export has this key" in messages
    assert "--select other selects nothing" in messages
    assert "--run nope: no declared export has this key" in messages


def test_target_limits_the_plan_but_keeps_the_dataset_it_needs():
    other = export("hourly", "@hourly")
    want = export()
    doc = state()
    plan = make_plan(
        desired(DS, want, other), doc, live(at(hours=4)), at(hours=4), PlanOptions(select=("daily",))
    )
    assert [(a.kind, a.key) for a in plan.actions] == [("create_dataset", "target"), ("run_export", "daily")]


def test_removed_export_cancels_its_unfinished_run_and_keeps_history():
    want = export()
    doc = state(
        datasets={"target": applied_dataset(DS)},
        exports={"daily": applied_export(want, [run(at(hours=3), "PROCESSING", job_id=4)])},
    )
    plan = make_plan(desired(DS), doc, live(at(hours=4)), at(hours=4))
    assert [a.kind for a in plan.actions] == ["cancel_job", "orphan_export"]
    assert plan.actions[0].cause == "removed" and plan.actions[1].after == ["cancel_job:daily:4"]
    assert not plan.warnings
    forgot = make_plan(desired(DS), doc, live(at(hours=4)), at(hours=4), PlanOptions(forget=("daily",)))
    assert [a.kind for a in forgot.actions] == ["cancel_job", "forget"]
    assert forgot.actions[1].after == ["cancel_job:daily:4"]


def test_spec_change_shows_field_diff_and_warns_for_incremental():
    old = export(fields="identities.id")
    new = export(fields="identities.id,person.name", segments=("seg-a", "seg-b"))
    doc = state(
        datasets={"target": applied_dataset(DS)},
        exports={"daily": applied_export(old, [run(at(hours=-21), window_from=at(hours=-45))])},
    )
    plan = make_plan(desired(DS, new), doc, live(at(hours=4)), at(hours=4))
    (action,) = runs_of(plan)
    paths = {c.path: (c.before, c.after) for c in action.changes}
    assert paths == {
        "fields": ("identities.id", "identities.id,person.name"),
        "filter.segments[1]": (None, {"segmentId": "seg-b"}),
    }
    assert [f.message for f in plan.pending] == ["spec changed since the last run"]
    assert any("old definition" in w.message for w in plan.warnings)


def test_spec_change_not_yet_due_is_a_state_only_change():
    old, new = export(), export(fields="a,b")
    doc = state(
        datasets={"target": applied_dataset(DS)}, exports={"daily": applied_export(old, [run(at(hours=3))])}
    )
    plan = make_plan(desired(DS, new), doc, live(at(hours=4)), at(hours=4))
    (action,) = plan.actions
    assert isinstance(action, UpdateExport) and action.next_run == at(days=1, hours=3)
    assert [(c.path, c.before, c.after) for c in action.changes] == [
        ("fields[0]", "identities.id", "a"),
        ("fields[1]", None, "b"),
    ]
    assert plan.summary_line() == "Plan: 1 export to change (from the run at 2024-05-02T03:00:00Z)."
    (finding,) = plan.pending
    assert "from the run at 2024-05-02T03:00:00Z" in finding.message and finding.changes


def test_never_run_export_is_pending():
    plan = plan_for(export(), [], at(hours=1), with_record=False)
    assert [f.message for f in plan.pending] == ["has never run"]


@pytest.mark.parametrize(
    ("status", "by_tool", "drifted"),
    [
        ("CANCELLED", False, True),
        ("CANCELLED", True, False),
        ("MISSING", False, True),
        ("FAILED", False, False),
    ],
)
def test_tracked_job_changed_outside(status, by_tool, drifted):
    plan = plan_for(export(), [run(at(hours=3), status, job_id=3, cancelled_by_tool=by_tool)], at(hours=4))
    assert bool(plan.out_of_band) is drifted
    if status == "FAILED":
        assert any("failed" in w.message for w in plan.warnings)


def test_foreign_job_writing_into_a_managed_dataset_is_drift():
    want = export()
    job = LiveJob(id=99, status="PROCESSING", dataset_id="ds-1", created=at(hours=3))
    mine = LiveJob(id=1, status="SUCCEEDED", dataset_id="ds-1", created=at(hours=3))
    elsewhere = LiveJob(id=100, status="SUCCEEDED", dataset_id="other", created=at(hours=3))
    snapshot = live(at(hours=4), jobs=[job, mine, elsewhere], new_jobs=(99, 1, 100))
    plan = plan_for(want, [run(at(hours=3), job_id=1)], at(hours=4), snapshot=snapshot)
    assert [(f.resource, f.key) for f in plan.out_of_band] == [("job", "target")]
    assert "job 99" in plan.out_of_band[0].message


def test_missing_references_are_errors_naming_the_file():
    snapshot = live(at(hours=4), merge_policies=frozenset({"mp-2"}), segments=frozenset({"seg-a"}))
    plan = plan_for(
        export(segments=("seg-a", "seg-x")), [], at(hours=4), snapshot=snapshot, with_record=False
    )
    messages = [e.text() for e in plan.errors]
    assert messages == [
        "exports/daily.yaml:10: export daily: merge policy 'mp-1' does not exist in the sandbox "
        "(merge policies there, closest first: mp-2)",
        "exports/daily.yaml:10: export daily: segment 'seg-x' does not exist in the sandbox "
        "(segments there, closest first: seg-a)",
    ]


def test_order_is_deterministic_datasets_first_then_exports_by_key():
    items = [export(k, "@hourly") for k in ("zeta", "alpha", "mid")]
    plan = make_plan(desired(*items, DS), state(), live(T0), T0 + timedelta(minutes=5))
    assert [a.key for a in plan.actions] == ["target", "alpha", "mid", "zeta"]
    again = make_plan(desired(DS, *reversed(items)), state(), live(T0), T0 + timedelta(minutes=5))
    assert again.actions == plan.actions


def test_refresh_only_plans_nothing():
    plan = plan_for(export(), [], at(hours=4), PlanOptions(refresh_only=True), with_record=False)
    assert plan.actions == () and plan.drift == ()
