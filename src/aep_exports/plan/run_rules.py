"""What an export's next run is: its slot (scheduled, forced, retried, restated) and its window, and
what the plan says around it (expectation breaches, a destination without history, a clock before
the last run).

:func:`choose_slot` decides whether a run is planned now and for which slot; :func:`run_window`
gives its window. A run's window never ends before it starts: ``--run``/``--restate`` with a clock
(``--now``) that is not after the last run's slot or the watermark is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aep_exports.plan.actions import RestateExport
from aep_exports.plan.desired import DesiredExport
from aep_exports.plan.expectations import expectation_notices
from aep_exports.plan.model import DriftFinding, PlanMessage, PlanOptions, RestateRequest
from aep_exports.plan.retries import RetryState, retry_state
from aep_exports.plan.schedule import is_due, is_manual, local_time
from aep_exports.plan.sink import PlanSink
from aep_exports.plan.windows import Window, format_instant, next_window, watermark_of
from aep_exports.state.model import ExportRecord


def slot_text(slot: datetime, timezone: str) -> str:
    """``2024-03-31T01:00:00Z`` and, for a schedule in another zone, its wall-clock time there."""
    local = local_time(slot, timezone)
    return format_instant(slot) + (f" = {local} in {timezone}" if local else "")


@dataclass(frozen=True)
class SlotChoice:
    """Whether to run now: ``slot`` (None: nothing), and why (``flag``, ``retrying``, ``restating``)."""

    slot: datetime | None
    flag: str = ""  # "--run" or "--restate" when the user asked for the run
    retrying: RetryState | None = None
    restating: RestateRequest | None = None


def choose_slot(
    sink: PlanSink,
    want: DesiredExport,
    record: ExportRecord | None,
    now: datetime,
    options: PlanOptions,
    last_slot: datetime | None,
) -> SlotChoice:
    """The slot to run for now: forced (now), restated (the due slot, else now), due by schedule,
    or a retry of the newest run's slot when it FAILED and its delay is over."""
    restating = next((r for r in options.restate if r.key == want.key), None)
    if want.key in options.runs:
        return SlotChoice(now, "--run", restating=restating)
    if restating is not None:
        due = is_due(want.schedule, now, last_slot, want.timezone) if want.enabled else None
        return SlotChoice(due or now, "--restate", restating=restating)
    if not want.enabled:
        sink.info(PlanMessage(key=want.key, message=f"export {want.key} is disabled (enabled: false)"))
        return SlotChoice(None)
    slot = is_due(want.schedule, now, last_slot, want.timezone)
    if slot is not None:
        return SlotChoice(slot)
    retrying = _retrying(sink, want, retry_state(want.retry, record), last_slot, now)
    return SlotChoice(retrying.failed.slot if retrying is not None else None, retrying=retrying)


def _retrying(
    sink: PlanSink, want: DesiredExport, retry: RetryState | None, last_slot: datetime | None, now: datetime
) -> RetryState | None:
    """The retry to run now (its slot is the latest and its delay is over); says when one waits."""
    if retry is None or retry.number is None or retry.failed.slot != last_slot:
        return None
    if retry.due(now):
        return retry
    job = f"job {retry.failed.job_id}" if retry.failed.job_id is not None else "its run"
    sink.info(PlanMessage(key=want.key, message=f"export {want.key}: {job} FAILED; {retry.describe()}"))
    return None


def before_last(
    sink: PlanSink,
    want: DesiredExport,
    record: ExportRecord | None,
    last_slot: datetime | None,
    now: datetime,
    flag: str,
) -> bool:
    """``--run``/``--restate`` at a clock not after the last run's slot (or the watermark): a plan
    error, True. Such a run would export a window ending before what was exported, or run a slot twice."""
    watermark = watermark_of(record) if want.incremental else None
    latest = max((m for m in (last_slot, watermark) if m is not None), default=None)
    if latest is None or now > latest:
        return False
    what = "its last run's slot" if latest == last_slot else "its watermark"
    sink.error(
        PlanMessage(
            key=want.key,
            location=want.location,
            message=f"{flag} {want.key}: the clock ({format_instant(now)}) is not after {what} "
            f"({format_instant(latest)}); a run now would export a window that ends before what was "
            "already exported (check --now)",
        )
    )
    return True


def run_window(
    want: DesiredExport,
    record: ExportRecord | None,
    slot: datetime,
    retrying: RetryState | None,
    restate: RestateExport | None,
) -> Window:
    """A retry's window is its failed run's; a restatement starts at its ``FROM``; else ``(watermark, slot]``
    (restated while a restatement is pending)."""
    if retrying is not None:
        failed = retrying.failed
        return Window(failed.window_from, failed.window_to or slot, restated=failed.restated)
    if restate is not None:
        return Window(restate.window_from, slot, restated=True)
    window = next_window(incremental=want.incremental, watermark=watermark_of(record), slot=slot)
    pending = record is not None and record.pending_restatement is not None
    return Window(window.start, window.end, restated=pending and want.incremental)


def run_reason(
    want: DesiredExport, choice: SlotChoice, restate: RestateExport | None, never_ran: bool
) -> str:
    """Why this run is planned, in words (slots with their local time in the schedule's zone)."""
    assert choice.slot is not None
    shown = slot_text(choice.slot, want.timezone)
    if choice.retrying is not None:
        failed = choice.retrying.failed
        job = f"job {failed.job_id}" if failed.job_id is not None else "its run"
        ended = format_instant(failed.finished or failed.started)
        return (
            f"retry {choice.retrying.number} of {choice.retrying.attempts}: {job} FAILED at {ended}; "
            f"the same window again (slot {shown})"
        )
    if choice.flag == "--run":
        return "forced with --run"
    if restate is not None:
        start = format_instant(restate.window_from) if restate.window_from else "the beginning"
        return f"exports again from {start} (--restate; slot {shown})"
    if never_ran:
        return "first run" + ("" if is_manual(want.schedule) else f" (slot {shown})")
    zone = f" in {want.timezone}" if want.timezone != "UTC" else ""
    return f"due by schedule {want.schedule}{zone} (slot {shown})"


def report_expectations(
    sink: PlanSink, want: DesiredExport, record: ExportRecord | None, now: datetime
) -> None:
    """The newest run's expectation breaches and a stale watermark: a warning, and a drift finding."""
    for notice in expectation_notices(want.expect, record, now):
        message = f"export {want.key}: {notice}"
        sink.warning(PlanMessage(key=want.key, location=want.location, message=message))
        finding = f"expectation breached: {notice}"
        sink.finding(DriftFinding(kind="info", resource="export", key=want.key, message=finding))


def warn_new_destination(
    sink: PlanSink, want: DesiredExport, record: ExportRecord | None, *, renewed: bool
) -> None:
    """An incremental export writing into another dataset, or into its dataset created anew (empty),
    gets only what changed after its watermark: say so, and offer ``--restate``."""
    if not want.incremental or record is None:
        return
    before, declared = record.spec.declared().get("dataset"), want.spec.get("dataset")
    repointed = before is not None and before != declared
    watermark = watermark_of(record) if repointed or renewed else None
    if watermark is None:
        return
    offer = f"to export everything into it again: aep-exports apply --restate {want.key}"
    mark = format_instant(watermark)
    if repointed:
        message = (
            f"export {want.key} now writes into dataset {declared} instead of {before}: an incremental "
            f"run exports only what changed after its watermark {mark}, so {declared} gets none of the "
            f"earlier history; {offer}"
        )
    else:
        message = (
            f"export {want.key}: its dataset {declared} is created anew (empty) in this plan while its "
            f"watermark {mark} carries on, so the new dataset gets only what changed after it; {offer}"
        )
    sink.warning(PlanMessage(key=want.key, location=want.location, message=message))
