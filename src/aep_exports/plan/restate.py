"""Restatement (``--restate KEY[:FROM]``): re-export a past window of an incremental export on purpose.

As SQLMesh's ``restate`` or dbt's ``--full-refresh``: the watermark is reset to ``FROM`` (or to the
beginning) and a run exports ``(FROM, slot]`` now — the slot due, else now, as ``--run`` does. The
plan shows both: ``< restate export KEY`` (state only: the watermark moves back, recorded with who
and when) and the run with its window. If that run fails, the restatement stays pending and the
next runs keep exporting from ``FROM`` until one succeeds.

Refused with a plan error: an export that is not incremental (every run exports everything),
that has exported nothing yet (its next run exports everything), a ``FROM`` after the watermark
(it would leave a gap), and an export with a run still unfinished.
"""

from __future__ import annotations

from datetime import datetime

from aep_exports.plan.actions import RestateExport
from aep_exports.plan.desired import DesiredExport
from aep_exports.plan.model import PlanMessage, RestateRequest
from aep_exports.plan.sink import PlanSink
from aep_exports.plan.windows import format_instant, watermark_of
from aep_exports.state.model import ExportRecord


def _refuse(sink: PlanSink, want: DesiredExport, request: RestateRequest, why: str) -> None:
    sink.error(
        PlanMessage(key=want.key, location=want.location, message=f"--restate {request.text()}: {why}")
    )


def plan_restate(
    sink: PlanSink, want: DesiredExport, record: ExportRecord | None, request: RestateRequest, now: datetime
) -> RestateExport | None:
    """The watermark reset ``request`` asks for, or None (after a plan error) when it cannot be done."""
    if not want.incremental:
        _refuse(
            sink,
            want,
            request,
            f"export {want.key} is not incremental: every run already exports "
            "everything; run it now with --run " + want.key,
        )
        return None
    watermark = watermark_of(record)
    if watermark is None:
        _refuse(
            sink,
            want,
            request,
            f"export {want.key} has exported nothing yet (no watermark): its next run exports everything",
        )
        return None
    start = request.window_from
    if start is not None and start >= watermark:
        _refuse(
            sink,
            want,
            request,
            f"{format_instant(start)} is not before the watermark "
            f"{format_instant(watermark)}: nothing would be exported again"
            + (" and a gap would open" if start > watermark else ""),
        )
        return None
    if start is not None and start >= now:
        _refuse(sink, want, request, f"{format_instant(start)} is in the future")
        return None
    begin = format_instant(start) if start is not None else "the beginning"
    return RestateExport(
        key=want.key,
        window_from=start,
        previous_watermark=watermark,
        reason=f"--restate: the watermark moves back from {format_instant(watermark)} to {begin}, "
        "so the run below exports that span again (who and when are recorded in state)",
    )
