"""Per-export and per-dataset status: a pure function of state, declarations and now.

Health words, first matching rule wins (``HEALTH_RULES`` says the same for the docs):

1. ``late``    - the newest run is unfinished and older than the export's ``timeout`` (stuck);
2. ``running`` - the newest run is unfinished (within its timeout, or the export has none);
3. ``failing``  - the newest run finished without success (FAILED, CANCELLED, MISSING); a retry
   waiting for its delay is named in the reason;
4. ``breached`` - the newest run succeeded but broke its ``expect:`` (rows, duration), or the
   watermark is older than ``expect.max_lag``;
5. ``late``     - a scheduled slot is due and has waited longer than the grace period:
   half the schedule's interval, at most one hour (an hourly export is late 30 min after its
   slot, a daily one after an hour) - the next ``apply`` has not run in time;
6. ``healthy``  - otherwise (the last run succeeded and nothing is overdue; a manual or disabled
   export that never ran; a scheduled slot due within its grace period).

``status --check`` fails (exit 1) when an export is ``failing``, ``breached`` or ``late``
(:data:`UNHEALTHY`). Slots follow the export's ``timezone``; instants are UTC, and
:attr:`ExportStatus.timezone` lets views show the local time beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aep_exports.config.durations import format_duration
from aep_exports.plan.expectations import watermark_lag
from aep_exports.plan.moves import plan_moves
from aep_exports.plan.retries import retry_state
from aep_exports.plan.schedule import UTC_NAME, ScheduleError, is_due, is_manual, next_slot
from aep_exports.plan.scope import Scope, select_scope
from aep_exports.plan.sink import PlanSink
from aep_exports.plan.windows import format_instant
from aep_exports.state.model import UNFINISHED_STATUSES, ExportRecord, RunRecord, StateDocument

if TYPE_CHECKING:
    from aep_exports.plan.desired import Desired, DesiredExport

HEALTHY, RUNNING, LATE, FAILING, BREACHED = "healthy", "running", "late", "failing", "breached"
HEALTH_WORDS = (HEALTHY, RUNNING, LATE, FAILING, BREACHED)
UNHEALTHY = frozenset({LATE, FAILING, BREACHED})
"""The health words ``status --check`` fails on."""
HEALTH_RULES = (
    (LATE, "the newest run is unfinished and older than the export's timeout"),
    (RUNNING, "the newest run is unfinished"),
    (FAILING, "the newest run finished without success (FAILED, CANCELLED or MISSING)"),
    (BREACHED, "the newest run broke its expect: (rows, duration), or the watermark is older than max_lag"),
    (LATE, "a scheduled slot is due for longer than half the schedule's interval (at most 1 hour)"),
    (HEALTHY, "otherwise"),
)
MAX_LATE_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class RunView:
    """One run as status shows it."""

    job_id: int | None
    slot: datetime
    status: str
    window_from: datetime | None
    window_to: datetime | None
    created: datetime | None
    finished: datetime | None
    batches: tuple[str, ...]
    rows: int | None
    duration: timedelta | None
    errors: tuple[str, ...]
    note: str = ""
    attempt: int = 1
    restated: bool = False
    breaches: tuple[str, ...] = ()

    @property
    def unfinished(self) -> bool:
        """True while the run may still produce (or be) a job."""
        return self.status in UNFINISHED_STATUSES


@dataclass(frozen=True)
class ExportStatus:
    """Everything status says about one export."""

    key: str
    health: str
    reason: str
    declared: bool
    schedule: str | None  # as declared (``@daily``, cron, ``manual``)
    incremental: bool
    enabled: bool
    dataset_id: str | None
    last_run: RunView | None
    last_success: RunView | None
    due_slot: datetime | None  # a slot due now (not yet run), else None
    next_slot: datetime | None  # the first slot after now
    watermark: datetime | None
    lag: timedelta | None  # now - the end of the last successful window
    runs: int = 0
    timezone: str = UTC_NAME  # the zone the schedule reads in (views show local times beside UTC)
    labels: dict[str, str] = field(default_factory=dict)
    breaches: tuple[str, ...] = ()  # the newest run's expectation breaches, then a stale watermark
    retry: str | None = None  # "retry 2 of 3 at …" while the newest run FAILED and the export retries
    retry_at: datetime | None = None


@dataclass(frozen=True)
class DatasetStatus:
    """A dataset: its id (None until created) and the last batch an export wrote into it."""

    key: str
    id: str | None
    declared: bool
    last_batch: str | None = None
    last_batch_at: datetime | None = None
    last_batch_export: str | None = None
    last_batch_job: int | None = None


@dataclass(frozen=True)
class StatusReport:
    """Status of one sandbox at ``now``."""

    now: datetime
    exports: tuple[ExportStatus, ...]
    datasets: tuple[DatasetStatus, ...]
    serial: int = 0
    last_refresh: datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)


def _errors_of(run: RunRecord) -> tuple[str, ...]:
    return tuple(str(e.get("msg") or e.get("code") or e) for e in run.errors)


def run_view(run: RunRecord, now: datetime) -> RunView:
    """A state run as status shows it (rows from the job's exported-profile counter)."""
    return RunView(
        job_id=run.job_id,
        slot=run.slot,
        status=run.status,
        window_from=run.window_from,
        window_to=run.window_to,
        created=run.created,
        finished=run.finished,
        batches=tuple(run.batches),
        rows=run.rows,
        duration=run.duration(now),
        errors=_errors_of(run),
        note=run.note,
        attempt=run.attempt,
        restated=run.restated,
        breaches=tuple(run.breaches),
    )


def late_grace(schedule: str, slot: datetime, tz: str = UTC_NAME) -> timedelta:
    """How long a due slot may wait for its run before the export is late."""
    following = next_slot(schedule, slot, tz)
    if following is None:
        return MAX_LATE_GRACE
    return min(MAX_LATE_GRACE, (following - slot) / 2)


def _latest_slot(record: ExportRecord | None) -> datetime | None:
    if record is None or not record.runs:
        return None
    return max(run.slot for run in record.runs)


def _health(
    want: DesiredExport | None,
    last: RunRecord | None,
    due: datetime | None,
    now: datetime,
    breaches: tuple[str, ...] = (),
) -> tuple[str, str]:
    if last is not None and last.unfinished:
        started = last.started
        timeout = want.timeout if want is not None else None
        job = f"job {last.job_id}" if last.job_id is not None else "its run"
        if timeout is not None and now - started > timeout:
            return (
                LATE,
                f"{job} is {last.status} for {format_span(now - started)}, "
                f"longer than its timeout ({format_span(timeout)})",
            )
        return RUNNING, f"{job} is {last.status} since {format_instant(started)}"
    if last is not None and not last.succeeded:
        job = f"job {last.job_id}" if last.job_id is not None else "the last run"
        detail = "; ".join(_errors_of(last)[:1]) or last.note
        return FAILING, f"{job} {last.status}" + (f": {detail}" if detail else "")
    if breaches:
        return BREACHED, "expectation breached: " + "; ".join(breaches)
    if due is not None and want is not None and want.schedule is not None:
        waited = now - due
        if waited > late_grace(want.schedule, due, want.timezone):
            return LATE, f"slot {format_instant(due)} is due for {format_span(waited)} and has not run"
        return HEALTHY, f"slot {format_instant(due)} is due; the next apply runs it"
    if last is None:
        return HEALTHY, "never ran" + (
            " (manual: run it with apply --run)" if want is not None and is_manual(want.schedule) else ""
        )
    return HEALTHY, "the last run succeeded"


def export_status(
    key: str,
    want: DesiredExport | None,
    record: ExportRecord | None,
    now: datetime,
    *,
    dataset_id: str | None,
) -> ExportStatus:
    """The status of one export (declared, or only in state when ``want`` is None)."""
    last = record.last_run() if record is not None else None
    success = record.last_succeeded() if record is not None else None
    schedule = want.schedule if want is not None else None
    enabled = want.enabled if want is not None else False
    tz = want.timezone if want is not None else UTC_NAME
    try:
        due = is_due(schedule, now, _latest_slot(record), tz) if enabled else None
        upcoming = next_slot(schedule, now, tz) if enabled else None
        unplaceable = None
    except ScheduleError as exc:  # report this export's schedule, keep the others' status
        due, upcoming, unplaceable = None, None, str(exc)
    lag = watermark_lag(record, now)
    breaches = _breaches(want, last, lag)
    retry = retry_state(want.retry, record) if want is not None and enabled else None
    health, reason = _health(want, last, due, now, breaches)
    if retry is not None and health == FAILING:
        reason = f"{reason}; {retry.describe()}"
    if unplaceable is not None:
        reason = f"{unplaceable}; {reason}"
    if want is None:
        reason = "no longer declared (orphaned in state); " + reason
    elif not want.enabled:
        reason = "disabled (enabled: false); " + reason
    watermark = record.watermark if record is not None else None
    shown = want.spec.get("schedule") if want is not None else None
    return ExportStatus(
        key=key,
        health=health,
        reason=reason,
        declared=want is not None,
        schedule=shown if isinstance(shown, str) else schedule,
        incremental=want.incremental if want is not None else False,
        enabled=enabled,
        dataset_id=dataset_id,
        last_run=run_view(last, now) if last is not None else None,
        last_success=run_view(success, now) if success is not None else None,
        due_slot=due,
        next_slot=upcoming,
        watermark=watermark,
        lag=lag,
        runs=len(record.runs) if record is not None else 0,
        timezone=tz,
        labels=dict(want.labels) if want is not None else {},
        breaches=breaches,
        retry=retry.describe() if retry is not None else None,
        retry_at=retry.at if retry is not None else None,
    )


def _breaches(want: DesiredExport | None, last: RunRecord | None, lag: timedelta | None) -> tuple[str, ...]:
    found = list(last.breaches) if last is not None and last.succeeded else []
    stale = want.expect.lag_breach(lag) if want is not None and want.expect is not None else None
    return (*found, stale) if stale else tuple(found)


def _request_dataset(record: ExportRecord | None) -> str | None:
    request = record.spec.request if record is not None else None
    destination = request.get("destination") if request is not None else None
    value = destination.get("datasetId") if isinstance(destination, dict) else None
    return value if isinstance(value, str) and not value.startswith("{") else None


def _export_dataset(
    want: DesiredExport | None, record: ExportRecord | None, state: StateDocument
) -> str | None:
    if want is not None and want.dataset_id:
        return want.dataset_id
    if want is not None and want.dataset_key and want.dataset_key in state.datasets:
        return state.datasets[want.dataset_key].id
    return _request_dataset(record)


def _last_batches(
    state: StateDocument, export_datasets: dict[str, str | None]
) -> dict[str, tuple[str, datetime | None, str, int | None]]:
    """dataset id -> (batch id, when, export key, job id) of the newest successful run writing into it."""
    newest: dict[str, tuple[str, datetime | None, str, int | None]] = {}
    for key, record in state.exports.items():
        dataset_id = export_datasets.get(key)
        if dataset_id is None:
            continue
        for run in record.runs:
            if not run.succeeded or not run.batches:
                continue
            when = run.finished or run.created or run.slot
            current = newest.get(dataset_id)
            if current is None or (current[1] is not None and when > current[1]):
                newest[dataset_id] = (run.batches[-1], when, key, run.job_id)
    return newest


def compute_status(
    state: StateDocument,
    desired: Desired,
    now: datetime,
    *,
    keys: tuple[str, ...] = (),
    scope: Scope | None = None,
) -> StatusReport:
    """Status of every declared export and dataset, plus those only left in state; ``keys`` and
    ``scope`` (``--select``) filter. Declared renames (``moved:``) are shown made: a renamed export
    keeps its history under its new key even before the apply that moves it in state."""
    state = plan_moves(PlanSink(), desired, state, select_scope((), desired))
    export_keys = sorted(set(desired.exports) | set(state.exports))
    export_datasets = {
        key: _export_dataset(desired.exports.get(key), state.exports.get(key), state) for key in export_keys
    }
    exports = [
        export_status(
            key, desired.exports.get(key), state.exports.get(key), now, dataset_id=export_datasets[key]
        )
        for key in export_keys
    ]
    batches = _last_batches(state, export_datasets)
    datasets: list[DatasetStatus] = []
    for key in sorted(set(desired.datasets) | set(state.datasets)):
        record = state.datasets.get(key)
        found = batches.get(record.id) if record is not None else None
        datasets.append(
            DatasetStatus(
                key=key,
                id=record.id if record is not None else None,
                declared=key in desired.datasets,
                last_batch=found[0] if found else None,
                last_batch_at=found[1] if found else None,
                last_batch_export=found[2] if found else None,
                last_batch_job=found[3] if found else None,
            )
        )
    if keys:
        wanted = set(keys)
        exports = [e for e in exports if e.key in wanted]
        datasets = [d for d in datasets if d.key in wanted]
    if scope is not None and not scope.everything:
        exports = [e for e in exports if scope.has_export(e.key)]
        datasets = [d for d in datasets if scope.has_dataset(d.key)]
    counts = {word: sum(1 for e in exports if e.health == word) for word in HEALTH_WORDS}
    return StatusReport(
        now=now,
        exports=tuple(exports),
        datasets=tuple(datasets),
        serial=state.serial,
        last_refresh=state.last_refresh,
        counts=counts,
    )


def format_span(delta: timedelta) -> str:
    """``2d3h``, ``45m``, ``12s``: the two largest units of a duration (the grammar of ``timeout``)."""
    return format_duration(timedelta(seconds=int(max(delta.total_seconds(), 0))), parts=2)


def as_json(report: StatusReport) -> dict[str, Any]:
    """The report as JSON data (RFC 3339 instants, durations in seconds)."""

    def instant(value: datetime | None) -> str | None:
        return format_instant(value) if value is not None else None

    def seconds(value: timedelta | None) -> float | None:
        return value.total_seconds() if value is not None else None

    def run(view: RunView | None) -> dict[str, Any] | None:
        if view is None:
            return None
        return {
            "job_id": view.job_id,
            "status": view.status,
            "slot": instant(view.slot),
            "window": {"from": instant(view.window_from), "to": instant(view.window_to)},
            "created": instant(view.created),
            "finished": instant(view.finished),
            "batches": list(view.batches),
            "rows": view.rows,
            "duration_s": seconds(view.duration),
            "errors": list(view.errors),
            "note": view.note or None,
            "attempt": view.attempt,
            "restated": view.restated,
            "breaches": list(view.breaches),
        }

    return {
        "now": instant(report.now),
        "state_serial": report.serial,
        "last_refresh": instant(report.last_refresh),
        "summary": report.counts,
        "exports": [
            {
                "key": e.key,
                "health": e.health,
                "reason": e.reason,
                "declared": e.declared,
                "schedule": e.schedule,
                "incremental": e.incremental,
                "enabled": e.enabled,
                "dataset_id": e.dataset_id,
                "last_run": run(e.last_run),
                "last_success": run(e.last_success),
                "due_slot": instant(e.due_slot),
                "next_slot": instant(e.next_slot),
                "watermark": instant(e.watermark),
                "lag_s": seconds(e.lag),
                "runs": e.runs,
                "timezone": e.timezone,
                "labels": e.labels,
                "breaches": list(e.breaches),
                "retry": e.retry,
                "retry_at": instant(e.retry_at),
            }
            for e in report.exports
        ],
        "datasets": [
            {
                "key": d.key,
                "id": d.id,
                "declared": d.declared,
                "last_batch": d.last_batch,
                "last_batch_at": instant(d.last_batch_at),
                "last_batch_export": d.last_batch_export,
                "last_batch_job": d.last_batch_job,
            }
            for d in report.datasets
        ],
    }
