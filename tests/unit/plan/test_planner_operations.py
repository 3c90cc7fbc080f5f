"""Planner rules for operating exports: retries, restatements, renames, selection, refused clocks,
destinations without history, and expectation notices."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aep_exports.plan.desired import DesiredMove, RetryPolicy
from aep_exports.plan.expectations import Expectations
from aep_exports.plan.model import PlanOptions, RestateRequest
from aep_exports.plan.planner import make_plan
from aep_exports.plan.windows import Window, tiling_issues
from support.plans import applied_dataset, applied_export, at, dataset, desired, export, live, run, state

DS = dataset()
RETRY = RetryPolicy(attempts=2, delay=timedelta(minutes=15))


def plan_of(want, runs, now, options=None, *, others=(), datasets=None, moves=()):
    doc = state(
        datasets=datasets if datasets is not None else {"target": applied_dataset(DS)},
        exports={want.key: applied_export(want, runs)} if runs is not None else {},
    )
    return make_plan(desired(DS, want, *others, moves=moves), doc, live(now), now, options), doc


def kinds(plan):
    return [(a.kind, a.key) for a in plan.actions]


def failed(slot, job_id, *, attempt=1, window_from=None, ended=None):
    return run(
        slot,
        "FAILED",
        job_id,
        window_from=window_from,
        attempt=attempt,
        finished=ended or slot + timedelta(minutes=5),
    )


# -- retries --------------------------------------------------------------------------------------

HISTORY = [run(at(days=-1, hours=3), job_id=1)]  # yesterday's slot succeeded: watermark at(days=-1, hours=3)


def test_a_failed_run_waits_for_its_delay_then_retries_the_same_window():
    want = export(retry=RETRY)
    runs = [*HISTORY, failed(at(hours=3), 2, window_from=at(days=-1, hours=3))]
    waiting, _ = plan_of(want, runs, at(hours=3, minutes=10))
    assert waiting.actions == ()
    assert any("retry 1 of 2 at 2024-05-01T03:20:00Z" in i.message for i in waiting.infos)
    assert any("retry 1 of 2 at 2024-05-01T03:20:00Z" in w.message for w in waiting.warnings)
    plan, _ = plan_of(want, runs, at(hours=3, minutes=20))
    [retry] = plan.actions
    assert (retry.kind, retry.slot, retry.attempt, retry.attempts, retry.failed_job_id) == (
        "retry_export",
        at(hours=3),
        2,
        2,
        2,
    )
    assert (retry.window_from, retry.window_to) == (at(days=-1, hours=3), at(hours=3))
    assert retry.request_body["filter"]["fromIngestTimestamp"] == "2024-04-30T03:00:00Z"
    assert retry.reason.startswith("retry 1 of 2: job 2 FAILED at 2024-05-01T03:05:00Z")
    assert plan.summary_line() == "Plan: 1 export to retry."


def test_retries_stop_when_used_up_and_the_next_slot_runs_afresh():
    want = export(retry=RETRY)
    base = at(days=-1, hours=3)
    runs = [
        *HISTORY,
        failed(at(hours=3), 2, window_from=base),
        failed(at(hours=3), 3, attempt=2, window_from=base),
        failed(at(hours=3), 4, attempt=3, window_from=base),
    ]
    spent, _ = plan_of(want, runs, at(hours=9))
    assert spent.actions == ()
    assert any("no retries left (2 of 2 used)" in w.message for w in spent.warnings)
    tomorrow, _ = plan_of(want, runs, at(days=1, hours=3))
    [fresh] = tomorrow.actions
    assert (fresh.kind, fresh.attempt, fresh.slot, fresh.window_from) == (
        "run_export",
        1,
        at(days=1, hours=3),
        base,
    )


def test_a_due_slot_wins_over_a_pending_retry_and_cancelled_runs_are_not_retried():
    want = export(retry=RetryPolicy(attempts=3, delay=timedelta(hours=30)))
    runs = [*HISTORY, failed(at(hours=3), 2, window_from=at(days=-1, hours=3))]
    plan, _ = plan_of(want, runs, at(days=1, hours=3))
    assert [(a.kind, a.slot) for a in plan.actions] == [("run_export", at(days=1, hours=3))]
    cancelled = [*HISTORY, run(at(hours=3), "CANCELLED", 2, cancelled_by_tool=True)]
    assert plan_of(want, cancelled, at(hours=9))[0].actions == ()


def test_without_retry_a_failed_run_waits_for_the_next_slot():
    plan, _ = plan_of(export(), [*HISTORY, failed(at(hours=3), 2)], at(hours=9))
    assert plan.actions == () and not any("retry" in i.message for i in plan.infos)


# -- restatements ---------------------------------------------------------------------------------

SUCCESSES = [
    run(at(days=d, hours=3), job_id=10 + d, window_from=at(days=d - 1, hours=3) if d else None)
    for d in range(0, 3)
]  # watermark at(days=2, hours=3)


def test_restate_moves_the_watermark_back_and_runs_the_window_again():
    want = export()
    now = at(days=2, hours=9)
    plan, _ = plan_of(
        want, SUCCESSES, now, PlanOptions(restate=(RestateRequest(key="daily", window_from=at(days=1)),))
    )
    restate, rerun = plan.actions
    assert (restate.kind, restate.window_from, restate.previous_watermark) == (
        "restate_export",
        at(days=1),
        at(days=2, hours=3),
    )
    assert (rerun.kind, rerun.slot, rerun.window_from, rerun.window_to, rerun.restated) == (
        "run_export",
        now,
        at(days=1),
        now,
        True,
    )
    assert restate.action_id in rerun.after
    assert plan.summary_line() == "Plan: 1 export to restate, 1 export to run."
    full, _ = plan_of(want, SUCCESSES, now, PlanOptions(restate=(RestateRequest(key="daily"),)))
    assert full.actions[1].window_from is None and "everything" not in full.actions[1].reason


@pytest.mark.parametrize(
    ("want", "runs", "start", "message"),
    [
        (export(incremental=False), SUCCESSES, None, "is not incremental"),
        (export(), [], None, "has exported nothing yet"),
        (export(), SUCCESSES, at(days=2, hours=4), "is not before the watermark"),
        (export(), [*SUCCESSES, run(at(days=3, hours=3), "PROCESSING", 99)], None, "has not finished"),
    ],
)
def test_restate_is_refused_when_it_cannot_mean_anything(want, runs, start, message):
    plan, _ = plan_of(
        want,
        runs,
        at(days=3, hours=9),
        PlanOptions(restate=(RestateRequest(key="daily", window_from=start),)),
    )
    assert plan.actions == () or all(a.kind != "run_export" for a in plan.actions)
    assert any(message in e.message for e in plan.errors), plan.errors


def test_a_pending_restatement_keeps_exporting_from_its_start_and_windows_still_tile():
    want = export()
    record = applied_export(want, list(SUCCESSES))
    record.restate(at(days=1), by="ana@laptop", at=at(days=2, hours=9))
    record.add_run(run(at(days=2, hours=9), "FAILED", 30, window_from=at(days=1), restated=True))
    doc = state(datasets={"target": applied_dataset(DS)}, exports={"daily": record})
    plan = make_plan(desired(DS, want), doc, live(at(days=3, hours=3)), at(days=3, hours=3))
    [rerun] = plan.actions
    assert (rerun.window_from, rerun.window_to, rerun.restated) == (at(days=1), at(days=3, hours=3), True)
    windows = [Window(r.window_from, r.window_to, restated=r.restated) for r in SUCCESSES]
    windows.append(Window(rerun.window_from, rerun.window_to, restated=True))
    assert tiling_issues(windows) == []
    assert [i.kind for i in tiling_issues([*windows[:-1], Window(at(days=1), at(days=3, hours=3))])] == [
        "overlap"
    ]


# -- renames --------------------------------------------------------------------------------------


def test_a_declared_move_keeps_the_watermark_and_runs_instead_of_a_full_export():
    old, new = export("daily"), export("vip-daily")
    doc = state(datasets={"target": applied_dataset(DS)}, exports={"daily": applied_export(old, SUCCESSES)})
    moves = (DesiredMove("export", "daily", "vip-daily", "exports/main.yaml:3"),)
    plan = make_plan(desired(DS, new, moves=moves), doc, live(at(days=3, hours=4)), at(days=3, hours=4))
    move, rerun = plan.actions
    assert (move.kind, move.old_key, move.key) == ("move_state", "daily", "vip-daily")
    assert (rerun.kind, rerun.key, rerun.window_from) == ("run_export", "vip-daily", at(days=2, hours=3))
    assert move.action_id in rerun.after
    assert not any("orphaned" in w.message for w in plan.warnings)
    assert "daily" in doc.exports and "vip-daily" not in doc.exports, "planning changes nothing"
    unmoved = make_plan(desired(DS, new), doc, live(at(days=3, hours=4)), at(days=3, hours=4))
    assert [a.window_from for a in unmoved.actions if a.kind == "run_export"] == [None], "without it: full"


def test_a_moved_dataset_keeps_its_id_and_its_exports_see_no_change():
    renamed = dataset("crm-target")
    want = export(dataset_key="crm-target")
    old_record = applied_export(export(), SUCCESSES)
    doc = state(datasets={"target": applied_dataset(DS)}, exports={"daily": old_record})
    moves = (DesiredMove("dataset", "target", "crm-target"),)
    now = at(days=2, hours=9)
    plan = make_plan(desired(renamed, want, moves=moves), doc, live(now, datasets={"ds-1": DS.body}), now)
    assert kinds(plan) == [("move_state", "crm-target")]
    assert not [f for f in plan.drift if f.kind == "pending"], plan.drift
    assert not plan.warnings, plan.warnings


@pytest.mark.parametrize(
    ("in_state", "message"),
    [
        (("daily", "vip-daily"), "the state holds both keys"),
        ((), "the state holds neither key"),
    ],
)
def test_a_move_that_cannot_be_made_says_why(in_state, message):
    want = export("vip-daily")
    doc = state(
        datasets={"target": applied_dataset(DS)},
        exports={key: applied_export(export(key), SUCCESSES) for key in in_state},
    )
    moves = (DesiredMove("export", "daily", "vip-daily", "exports/main.yaml:3"),)
    plan = make_plan(desired(DS, want, moves=moves), doc, live(at(days=3, hours=4)), at(days=3, hours=4))
    assert any(message in m.message for m in (*plan.errors, *plan.warnings))
    assert not any(a.kind == "move_state" for a in plan.actions)


# -- selection ------------------------------------------------------------------------------------


def test_select_by_label_plans_only_the_selected_and_says_what_it_left_out():
    crm, ads = export("crm", labels={"team": "crm"}), export("ads", labels={"team": "ads"})
    doc = state(datasets={"target": applied_dataset(DS)})
    plan = make_plan(
        desired(DS, crm, ads), doc, live(at(hours=4)), at(hours=4), PlanOptions(select=("team=crm",))
    )
    assert kinds(plan) == [("run_export", "crm")]
    assert any(
        "1 of 2 exports and 1 of 1 dataset selected; 1 export and 0 datasets left out" in i.message
        for i in plan.infos
    )
    nothing = make_plan(
        desired(DS, crm, ads), doc, live(at(hours=4)), at(hours=4), PlanOptions(select=("team=none",))
    )
    assert [e.message for e in nothing.errors] == ["--select team=none selects nothing"]
    outside = make_plan(
        desired(DS, crm, ads),
        doc,
        live(at(hours=4)),
        at(hours=4),
        PlanOptions(select=("team=crm",), runs=("ads",)),
    )
    assert any("--run ads is outside the --select selection" in e.message for e in outside.errors)


# -- refused clocks, destinations without history, expectations -------------------------------------


def test_a_forced_run_with_a_clock_before_the_last_slot_is_refused_never_inverted():
    plan, _ = plan_of(export(), SUCCESSES, at(days=1, hours=5), PlanOptions(runs=("daily",)))
    assert plan.actions == ()
    [error] = plan.errors
    assert "is not after its last run's slot (2024-05-03T03:00:00Z)" in error.message


def test_an_incremental_export_pointed_at_another_dataset_is_warned_and_offered_a_restate():
    other = dataset("other", name="Other")
    moved = export(dataset_key="other")
    record = applied_export(export(), SUCCESSES)
    doc = state(
        datasets={"target": applied_dataset(DS), "other": applied_dataset(other, "ds-2")},
        exports={"daily": record},
    )
    plan = make_plan(desired(DS, other, moved), doc, live(at(days=3, hours=4)), at(days=3, hours=4))
    [warning] = [w for w in plan.warnings if "instead of" in w.message]
    assert "gets none of the earlier history" in warning.message
    assert "aep-exports apply --restate daily" in warning.message


def test_a_dataset_deleted_outside_is_recreated_and_the_carried_watermark_is_said():
    doc = state(
        datasets={"target": applied_dataset(DS)}, exports={"daily": applied_export(export(), SUCCESSES)}
    )
    now = at(days=3, hours=4)
    plan = make_plan(desired(DS, export()), doc, live(now, missing=("ds-1",)), now)
    assert ("create_dataset", "target") in kinds(plan)
    [warning] = [w for w in plan.warnings if "created anew" in w.message]
    assert (
        "watermark 2024-05-03T03:00:00Z carries on" in warning.message
        and "--restate daily" in warning.message
    )
    restated = make_plan(
        desired(DS, export()),
        doc,
        live(now, missing=("ds-1",)),
        now,
        PlanOptions(restate=(RestateRequest(key="daily"),)),
    )
    assert not [w for w in restated.warnings if "created anew" in w.message]
    assert [a.kind for a in restated.actions] == ["create_dataset", "restate_export", "run_export"]


def test_the_newest_runs_breaches_and_a_stale_watermark_are_shown_in_plan_and_drift():
    want = export(expect=Expectations(min_rows=5, max_lag=timedelta(hours=26)))
    runs = [
        *SUCCESSES[:-1],
        run(
            at(days=2, hours=3),
            job_id=12,
            window_from=at(days=1, hours=3),
            breaches=["exported 0 rows, fewer than min_rows 5"],
        ),
    ]
    plan, _ = plan_of(want, runs, at(days=3, hours=6, minutes=1))
    messages = [w.message for w in plan.warnings]
    assert (
        "export daily: the last run (job 12) broke its expectations: exported 0 rows, fewer than min_rows 5"
        in messages
    )
    assert "export daily: watermark lag 1d3h is more than max_lag 1d2h" in messages
    assert sum(f.message.startswith("expectation breached") for f in plan.drift) == 2
