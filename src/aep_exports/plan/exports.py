"""Export rules of the planner: schedules, windows, timeouts, forced runs, retries, restatements,
removed exports."""

from __future__ import annotations

from datetime import datetime
from operator import attrgetter
from typing import Any

from aep_exports.config.durations import format_duration
from aep_exports.plan.actions import (
    AddExport,
    CancelJob,
    FieldChange,
    Forget,
    OrphanExport,
    RestateExport,
    RetryExport,
    RunExport,
    UpdateExport,
    dataset_placeholder,
    digest_of,
)
from aep_exports.plan.changes import field_changes
from aep_exports.plan.desired import DesiredExport
from aep_exports.plan.model import DriftFinding, PlanMessage, PlanOptions
from aep_exports.plan.restate import plan_restate
from aep_exports.plan.retries import RetryState, retry_state
from aep_exports.plan.run_rules import (
    SlotChoice,
    before_last,
    choose_slot,
    report_expectations,
    run_reason,
    run_window,
    warn_new_destination,
)
from aep_exports.plan.schedule import is_manual, next_slot
from aep_exports.plan.sink import PlanSink
from aep_exports.plan.windows import format_instant
from aep_exports.state.model import UNFINISHED_STATUSES, AppliedExport, ExportRecord, RunRecord, RunStatus

_SLOT = attrgetter("slot")
# Changing these in an incremental export changes what earlier windows would have contained.
SHAPE_FIELDS = ("fields", "filter.segments", "additionalFields")
# Differ on every incremental run by design; not a change of the declaration.
WINDOW_PATHS = (
    "filter.fromIngestTimestamp",
    "additionalFields.eventList.filter.fromIngestTimestamp",
    "additionalFields.eventList.filter.toIngestTimestamp",
)


def _scan(record: ExportRecord | None) -> tuple[datetime | None, list[RunRecord]]:
    """The latest slot any run had, and the unfinished runs (oldest first)."""
    if record is None or not record.runs:
        return None, []
    # attrgetter keeps both passes in C: this runs for every run of every export on each plan.
    latest: datetime = max(map(_SLOT, record.runs))
    return latest, [run for run in record.runs if run.status in UNFINISHED_STATUSES]


def _report_last_run(sink: PlanSink, key: str, record: ExportRecord, retry: RetryState | None = None) -> None:
    last = record.last_run()
    if last is None:
        return
    job = f"job {last.job_id}" if last.job_id is not None else "its job"
    if last.status == RunStatus.MISSING:
        sink.finding(
            DriftFinding(
                kind="out_of_band",
                resource="job",
                key=key,
                message=f"{job} (slot {format_instant(last.slot)}) is missing on the platform",
            )
        )
    elif last.status == RunStatus.CANCELLED and not last.cancelled_by_tool:
        sink.finding(
            DriftFinding(
                kind="out_of_band",
                resource="job",
                key=key,
                message=f"{job} (slot {format_instant(last.slot)}) was cancelled outside aep-exports",
            )
        )
    elif last.status == RunStatus.FAILED:
        detail = "; ".join(str(e.get("msg") or e.get("code") or e) for e in last.errors[:2]) or "no detail"
        sink.warning(
            PlanMessage(
                key=key,
                message=f"export {key}: the last run ({job}, slot "
                f"{format_instant(last.slot)}) failed: {detail}"
                + (f"; {retry.describe()}" if retry is not None else ""),
            )
        )


def _timeouts(
    sink: PlanSink, want: DesiredExport, unfinished: list[RunRecord], now: datetime
) -> tuple[list[RunRecord], list[str]]:
    """Cancel unfinished runs past the timeout; return the runs still blocking and the cancel ids."""
    blocking: list[RunRecord] = []
    cancels: list[str] = []
    for run in unfinished:
        started = run.started
        if run.job_id is not None and want.timeout is not None and now - started > want.timeout:
            action = CancelJob(
                key=want.key,
                job_id=run.job_id,
                cause="timeout",
                slot=run.slot,
                started=started,
                reason=f"unfinished ({run.status}) since {format_instant(started)}, "
                f"longer than its timeout ({format_duration(want.timeout)})",
            )
            sink.action(action)
            cancels.append(action.action_id)
        else:
            blocking.append(run)
    return blocking, cancels


def _describe_block(run: RunRecord) -> str:
    if run.job_id is None:
        return (
            f"its run for slot {format_instant(run.slot)} has an unresolved {run.status.lower()} record; "
            "apply will look for its job first"
        )
    return f"job {run.job_id} ({run.status}) since {format_instant(run.started)} has not finished"


def _changes_since_last(
    want: DesiredExport, record: ExportRecord | None, body: dict[str, Any], changed: bool
) -> list[FieldChange]:
    if record is None or not changed:
        return []
    before = record.spec.request
    if before is None:
        return field_changes(record.spec.declared(), want.spec)
    return field_changes(before, body, ignore_paths=WINDOW_PATHS if want.incremental else ())


def _report_spec_change(
    sink: PlanSink,
    want: DesiredExport,
    record: ExportRecord | None,
    changes: list[FieldChange],
    slot: datetime | None,
    message: str = "spec changed since the last run",
) -> None:
    """The pending finding of a changed spec, and the warning when an incremental export's windows from
    ``slot`` on (None: no run is coming) are shaped differently from those it exported before."""
    sink.finding(
        DriftFinding(
            kind="pending",
            resource="export",
            key=want.key,
            changes=tuple(changes),
            message=message,
        )
    )
    reshaped = want.incremental and record is not None and record.runs and _shape_changed(changes)
    if reshaped and slot is not None:
        sink.warning(
            PlanMessage(
                key=want.key,
                location=want.location,
                message=f"export {want.key}: segments or fields changed; windows exported "
                f"before {format_instant(slot)} used the old definition",
            )
        )


def plan_declared_export(
    sink: PlanSink,
    want: DesiredExport,
    record: ExportRecord | None,
    now: datetime,
    options: PlanOptions,
    *,
    dataset_id: str | None,
    dataset_key: str | None,
    dataset_after: str | None,
) -> None:
    """Plan one declared export: cancel what timed out, run it when due, forced, retried or restated;
    report pending changes."""
    key = want.key
    # Plain dict equality: both sides are JSON data, and it is much cheaper than hashing 10,000 specs.
    spec_changed = record is not None and record.spec.declared() != want.spec
    last_slot, unfinished = _scan(record)
    blocking: list[RunRecord] = []
    cancels: list[str] = []
    if record is not None:
        _report_last_run(sink, key, record, retry_state(want.retry, record) if want.enabled else None)
        blocking, cancels = _timeouts(sink, want, unfinished, now)
    report_expectations(sink, want, record, now)
    restating = any(r.key == key for r in options.restate)
    warn_new_destination(sink, want, record, renewed=dataset_after is not None and not restating)
    never_ran = record is None or not record.runs
    # A new export is a change to review, whether it runs by itself, only with --run or not at all
    # while disabled: its first request is what a reviewer approves.
    if record is None:
        sink.finding(DriftFinding(kind="pending", resource="export", key=key, message=_never_ran(want)))

    choice = choose_slot(sink, want, record, now, options, last_slot)
    slot = choice.slot
    if slot is None or blocking:
        # Declared again after it was recorded as orphaned: apply records the declaration (managed again)
        # even when it is unchanged; a run, when one is due, does the same.
        if record is None or spec_changed or record.orphaned:
            _plan_spec_change(sink, want, record, now, slot, dataset_id, dataset_key)
        if slot is None:
            return
    if blocking:
        message = f"export {key}: {_describe_block(blocking[-1])}"
        if choice.flag:
            sink.error(
                PlanMessage(
                    key=key,
                    location=want.location,
                    message=f"{choice.flag} {key}: {_describe_block(blocking[-1])}; "
                    "wait for it or let its timeout cancel it",
                )
            )
        else:
            sink.info(PlanMessage(key=key, message=f"{message}; due slot {format_instant(slot)} waits"))
        return
    if choice.flag and slot == now and before_last(sink, want, record, last_slot, now, choice.flag):
        return
    restate = plan_restate(sink, want, record, choice.restating, now) if choice.restating else None
    if choice.restating is not None and restate is None:
        return
    after = [dataset_after, *cancels] if dataset_after else cancels
    _plan_run(
        sink,
        want,
        record,
        choice,
        restate,
        spec_changed=spec_changed,
        never_ran=never_ran,
        dataset_id=dataset_id,
        dataset_key=dataset_key,
        after=after,
    )


def _never_ran(want: DesiredExport) -> str:
    """The pending finding of a new export: when, if ever, it will run."""
    if not want.enabled:
        return "declared, never ran; disabled: no run until it is enabled"
    if is_manual(want.schedule):
        return "declared, never ran; manual: runs only with apply --run"
    return "has never run"


# Declaration keys aep-exports keeps for itself: never part of an export job's request.
TOOL_ONLY_KEYS = frozenset({"labels", "description", "expect"})


def _update_reason(changes: list[FieldChange]) -> str:
    """Why an ``update_export`` exists: a change the next run's request carries, or one only state keeps."""
    tops = {change.path.split(".")[0].split("[")[0] for change in changes}
    if tops and tops <= TOOL_ONLY_KEYS:
        return f"{', '.join(sorted(tops))} changed: recorded in state; nothing is sent to the platform"
    return "declaration changed; export jobs are one-shot, so the next run uses it"


def _plan_spec_change(
    sink: PlanSink,
    want: DesiredExport,
    record: ExportRecord | None,
    now: datetime,
    due: datetime | None,
    dataset_id: str | None,
    dataset_key: str | None,
) -> None:
    """A new or changed declaration with no run planned now: recorded in state, used by the next run."""
    upcoming = due or (next_slot(want.schedule, now, want.timezone) if want.enabled else None)
    window = run_window(want, record, upcoming or now, None, None)
    destination = dataset_id if dataset_id is not None else dataset_placeholder(dataset_key or want.key)
    body = want.build_body(destination, window.start)
    common: dict[str, Any] = {
        "key": want.key,
        "spec": AppliedExport(declaration=want.spec, request=record.spec.request if record else None),
        "spec_digest": want.spec_digest,
        "next_run": upcoming,
        "enabled": want.enabled,
        "manual": is_manual(want.schedule),
        "request_body": body,
        "window_from": window.start,
    }
    if record is None:
        sink.action(AddExport(reason="declared; no run is due yet", **common))
        return
    changes = field_changes(record.spec.declared(), want.spec)
    reason = _update_reason(changes)
    said = "spec changed since the last run"
    if record.orphaned:
        reason = "declared again after it was orphaned: aep-exports manages it again" + (
            f"; {reason}" if changes else ""
        )
        said = "declared again; state still records it as orphaned" + (f"; {said}" if changes else "")
    action = UpdateExport(reason=reason, changes=changes, **common)
    sink.action(action)
    _report_spec_change(sink, want, record, changes, upcoming, f"{said}; {action.takes_effect()}")


def _plan_run(
    sink: PlanSink,
    want: DesiredExport,
    record: ExportRecord | None,
    choice: SlotChoice,
    restate: RestateExport | None,
    *,
    spec_changed: bool,
    never_ran: bool,
    dataset_id: str | None,
    dataset_key: str | None,
    after: list[str],
) -> None:
    """The run (or retry) for ``choice.slot``, after the restatement it follows, if any."""
    key, slot = want.key, choice.slot
    assert slot is not None
    window = run_window(want, record, slot, choice.retrying, restate)
    if window.start is not None and window.start >= window.end:  # never an inverted window
        sink.error(
            PlanMessage(
                key=key,
                location=want.location,
                message=f"export {key}: the window {window.describe()} would be empty or inverted; "
                "nothing is run (check --now and the state's watermark)",
            )
        )
        return
    destination = dataset_id if dataset_id is not None else dataset_placeholder(dataset_key or key)
    body = want.build_body(destination, window.start)
    changes = _changes_since_last(want, record, body, spec_changed)
    if spec_changed:
        _report_spec_change(sink, want, record, changes, slot)
    reason = run_reason(want, choice, restate, never_ran)
    if not choice.flag:
        sink.info(PlanMessage(key=key, message=f"export {key}: {reason}"))
        if not never_ran and not spec_changed:
            sink.finding(DriftFinding(kind="info", resource="export", key=key, message=reason))
    if window.start is None and want.incremental and restate is None:
        reason += "; no watermark yet, so the window starts at the beginning (full export)"
    if restate is not None:
        sink.action(restate)
        after = [*after, restate.action_id]
    retrying = choice.retrying
    action_type = RunExport if retrying is None else RetryExport
    retry: dict[str, Any] = {}
    if retrying is not None:
        retry = {
            "attempt": retrying.failed.attempt + 1,
            "attempts": retrying.attempts,
            "failed_job_id": retrying.failed.job_id,
        }
    sink.action(
        action_type(
            key=key,
            reason=reason,
            slot=slot,
            window_from=window.start,
            window_to=window.end,
            incremental=want.incremental,
            forced=choice.flag == "--run",
            dataset_id=dataset_id,
            dataset_key=dataset_key,
            request_body=body,
            body_digest=digest_of(body),
            spec=AppliedExport(declaration=want.spec, request=body),
            spec_digest=want.spec_digest,
            changes=changes,
            after=after,
            timeout_seconds=int(want.timeout.total_seconds()) if want.timeout else None,
            restated=window.restated,
            first_run=never_ran,
            timezone=want.timezone,
            **retry,
        )
    )


def _shape_changed(changes: list[FieldChange]) -> bool:
    return any(c.path == f or c.path.startswith((f + ".", f + "[")) for c in changes for f in SHAPE_FIELDS)


def plan_removed_export(sink: PlanSink, key: str, record: ExportRecord, options: PlanOptions) -> None:
    """An export in state but no longer declared: cancel its unfinished runs; the first plan after the
    removal records it as orphaned (its history stays in state); ``--forget`` drops it instead."""
    cancels: list[str] = []
    for run in record.unfinished_runs():
        if run.job_id is None:
            continue
        action = CancelJob(
            key=key,
            job_id=run.job_id,
            cause="removed",
            slot=run.slot,
            started=run.started,
            reason="its export was removed from the declarations",
        )
        sink.action(action)
        cancels.append(action.action_id)
    if key in options.forget:
        sink.action(
            Forget(
                key=key, resource="export", after=cancels, reason="--forget: drop its run history from state"
            )
        )
        return
    if record.orphaned:
        sink.info(
            PlanMessage(
                key=key,
                message=f"export {key} is no longer declared; its history stays in state "
                f"as orphaned (use --forget {key} to drop it)",
            )
        )
        return
    sink.action(OrphanExport(key=key, after=cancels, reason="no longer declared"))
    sink.finding(
        DriftFinding(
            kind="pending",
            resource="export",
            key=key,
            message="no longer declared; not yet recorded as orphaned in state",
        )
    )
