"""Cron slot arithmetic: which scheduled instant an export is due for at a given time.

A *slot* is an instant the schedule names (``0 3 * * *`` → every day at 03:00 UTC). An export is
due for the latest slot at or before ``now``; missed slots collapse into that one.

A schedule croniter cannot place (no matching date, a date past the calendar's end) raises
:class:`ScheduleError`, never croniter's own errors: the planner turns it into a plan error for
that one export, and the other exports are planned as usual.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from croniter import croniter

from aep_exports.config.values import MAX_YEARS_BETWEEN_SLOTS
from aep_exports.errors import PlanError

MANUAL = "manual"


class ScheduleError(PlanError):
    """No slot can be computed for a schedule at the given time."""

# croniter's get_prev is strictly-before its base; nudging the base past ``now`` makes it "at or before".
_EPSILON = timedelta(microseconds=1)


def is_manual(schedule: str | None) -> bool:
    """True when the export runs only on request (``--run KEY``)."""
    return schedule is None or schedule.strip().lower() == MANUAL


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is UTC and not moment.fold:
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    # croniter may hand back fold=1 datetimes; fold means nothing in UTC and would show in reprs.
    return moment.astimezone(UTC).replace(fold=0)


@lru_cache(maxsize=4096)
def _latest(expression: str, now: datetime) -> datetime:
    return _slot(expression, now + _EPSILON, backwards=True)


@lru_cache(maxsize=4096)
def _next(expression: str, after: datetime) -> datetime:
    return _slot(expression, after, backwards=False)


def _slot(expression: str, base: datetime, *, backwards: bool) -> datetime:
    try:
        cron = croniter(expression, base, max_years_between_matches=MAX_YEARS_BETWEEN_SLOTS)
        slot = cron.get_prev(datetime) if backwards else cron.get_next(datetime)
    except (ValueError, OverflowError, KeyError, TypeError) as exc:  # croniter's errors are ValueErrors
        direction = "at or before" if backwards else "after"
        raise ScheduleError(
            f"schedule {expression!r} has no slot {direction} {base.isoformat().replace('+00:00', 'Z')} "
            f"within {MAX_YEARS_BETWEEN_SLOTS} years ({type(exc).__name__})"
        ) from None
    assert isinstance(slot, datetime)
    return as_utc(slot)


def latest_slot(schedule: str | None, now: datetime) -> datetime | None:
    """The latest slot at or before ``now`` (UTC), or None for a manual export."""
    if is_manual(schedule):
        return None
    assert schedule is not None
    return _latest(schedule.strip(), as_utc(now))


def next_slot(schedule: str | None, after: datetime) -> datetime | None:
    """The first slot strictly after ``after`` (UTC), or None for a manual export."""
    if is_manual(schedule):
        return None
    assert schedule is not None
    return _next(schedule.strip(), as_utc(after))


def is_due(schedule: str | None, now: datetime, last_slot: datetime | None) -> datetime | None:
    """The slot to run for when the latest slot is later than ``last_slot`` (or it never ran); else None."""
    if is_manual(schedule):
        return None
    if last_slot is not None:
        # Cheap and cached (last slots repeat from plan to plan): not due before the slot after the last.
        upcoming = next_slot(schedule, last_slot)
        if upcoming is None or upcoming > as_utc(now):
            return None
    slot = latest_slot(schedule, now)
    if slot is None:
        return None
    if last_slot is None or slot > as_utc(last_slot):
        return slot
    return None
