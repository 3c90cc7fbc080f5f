"""Cron slot arithmetic: which scheduled instant an export is due for at a given time.

A *slot* is an instant the schedule names (``0 3 * * *`` → every day at 03:00). An export is due
for the latest slot at or before ``now``; missed slots collapse into that one.

**Time zones.** A schedule reads in its export's ``timezone`` (IANA name; UTC by default): ``0 2 * * *``
in ``Europe/Paris`` is 02:00 on the wall clocks of Paris every day, 01:00Z in winter and 00:00Z in
summer. Slots are computed on wall-clock times (croniter over naive datetimes) and each wall-clock
time becomes one instant:

- a time the clock skips (the spring-forward gap: 02:30 on the last Sunday of March in Paris) runs
  at the first instant after the gap (03:00 CEST) — one run, never none; several skipped times
  (an hourly schedule's 02:00, every quarter of a ``*/15``) and the first time after the gap are
  one run at that instant;
- a time the clock shows twice (the fall-back repeat: 02:30 on the last Sunday of October) runs at
  its first occurrence (02:30 CEST) — one run, never two. An hourly schedule's window across that
  night is therefore two hours long.

This mapping never decreases when the wall clock advances, so slots and windows stay in order and
tile. We do not use croniter's own time-zone arithmetic: croniter 7.0 runs a repeated time twice
(``0 2 * * *`` in Paris on 2024-10-27: 00:00Z and 01:00Z), and its issue tracker records DST errors
of both ``get_prev`` and ``get_next`` over the years (pallets-eco/croniter#91, #191, #258).
Windows and state stay in UTC instants.

A schedule croniter cannot place (no matching date, a date past the calendar's end) raises
:class:`ScheduleError`, never croniter's own errors: the planner turns it into a plan error for
that one export, and the other exports are planned as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache

from croniter import croniter

from aep_exports.config.values import MAX_YEARS_BETWEEN_SLOTS
from aep_exports.errors import PlanError

MANUAL = "manual"
UTC_NAME = "UTC"


class ScheduleError(PlanError):
    """No slot can be computed for a schedule at the given time."""


# croniter's get_prev is strictly-before its base; nudging the base past ``now`` makes it "at or before".
_EPSILON = timedelta(microseconds=1)
# How far around an instant offsets are compared: a transition closer than this widens the search.
_NEAR = timedelta(days=2)
_SAMPLES = 8


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


@lru_cache(maxsize=256)
def zone(name: str) -> tzinfo:
    """The time zone of an IANA name (the declarations were validated: the name exists)."""
    if name == UTC_NAME:
        return UTC
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _offset(tz: tzinfo, moment: datetime) -> timedelta:
    offset = moment.astimezone(tz).utcoffset()
    return offset if offset is not None else timedelta(0)


def _spread(tz: tzinfo, moment: datetime) -> timedelta:
    """How much the zone's UTC offset differs near ``moment`` (0 far from any transition)."""
    if tz is UTC:
        return timedelta(0)
    here = _offset(tz, moment)
    step = 2 * _NEAR / _SAMPLES
    points = (moment - _NEAR + step * i for i in range(_SAMPLES + 1))
    return max(abs(_offset(tz, point) - here) for point in points)


def _wall(moment: datetime, tz: tzinfo) -> datetime:
    """What the zone's clocks show at ``moment`` (naive)."""
    return moment.astimezone(tz).replace(tzinfo=None, fold=0)


def _instant(wall: datetime, tz: tzinfo) -> datetime:
    """The instant of a wall-clock time: its first occurrence; for a skipped time, the end of the gap."""
    if tz is UTC:
        return wall.replace(tzinfo=UTC)
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if _wall(first, tz) == wall:
        return first
    # In a gap: fold=0 maps with the offset before it, landing past the gap's end, fold=1 with the
    # offset after it, landing before its start. The clock jumps between the two: find that instant.
    before, after = wall.replace(tzinfo=tz, fold=1).astimezone(UTC), first
    if before > after:
        before, after = after, before
    changed = _offset(tz, after)
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if _offset(tz, middle) == changed:
            after = middle
        else:
            before = middle
    return after.replace(microsecond=0)


def _walls(expression: str, base: datetime, *, backwards: bool) -> Iterator[datetime]:
    cron = croniter(expression, base, max_years_between_matches=MAX_YEARS_BETWEEN_SLOTS)
    while True:
        found = cron.get_prev(datetime) if backwards else cron.get_next(datetime)
        assert isinstance(found, datetime)
        yield found


def _schedule_error(expression: str, base: datetime, backwards: bool, exc: Exception) -> ScheduleError:
    direction = "at or before" if backwards else "after"
    return ScheduleError(
        f"schedule {expression!r} has no slot {direction} {base.isoformat().replace('+00:00', 'Z')} "
        f"within {MAX_YEARS_BETWEEN_SLOTS} years ({type(exc).__name__})"
    )


@lru_cache(maxsize=4096)
def _latest(expression: str, tz_name: str, now: datetime) -> datetime:
    tz = zone(tz_name)
    try:
        # Walls after this map after ``now``; the mapping never decreases, so the first wall (going
        # back) whose instant is at or before ``now`` is the latest slot.
        start = _wall(now, tz) + _spread(tz, now) + _EPSILON
        for wall in _walls(expression, start, backwards=True):
            slot = _instant(wall, tz)
            if slot <= now:
                return slot
    except (ValueError, OverflowError, KeyError, TypeError) as exc:  # croniter's errors are ValueErrors
        raise _schedule_error(expression, now, True, exc) from None
    raise AssertionError("unreachable")  # pragma: no cover


@lru_cache(maxsize=4096)
def _next(expression: str, tz_name: str, after: datetime) -> datetime:
    tz = zone(tz_name)
    try:
        start = _wall(after, tz) - _spread(tz, after)
        for wall in _walls(expression, start, backwards=False):
            slot = _instant(wall, tz)
            if slot > after:
                return slot
    except (ValueError, OverflowError, KeyError, TypeError) as exc:
        raise _schedule_error(expression, after, False, exc) from None
    raise AssertionError("unreachable")  # pragma: no cover


def latest_slot(schedule: str | None, now: datetime, tz: str = UTC_NAME) -> datetime | None:
    """The latest slot at or before ``now`` (UTC), or None for a manual export."""
    if is_manual(schedule):
        return None
    assert schedule is not None
    return _latest(schedule.strip(), tz, as_utc(now))


def next_slot(schedule: str | None, after: datetime, tz: str = UTC_NAME) -> datetime | None:
    """The first slot strictly after ``after`` (UTC), or None for a manual export."""
    if is_manual(schedule):
        return None
    assert schedule is not None
    return _next(schedule.strip(), tz, as_utc(after))


def is_due(
    schedule: str | None, now: datetime, last_slot: datetime | None, tz: str = UTC_NAME
) -> datetime | None:
    """The slot to run for when the latest slot is later than ``last_slot`` (or it never ran); else None."""
    if is_manual(schedule):
        return None
    if last_slot is not None:
        # Cheap and cached (last slots repeat from plan to plan): not due before the slot after the last.
        upcoming = next_slot(schedule, last_slot, tz)
        if upcoming is None or upcoming > as_utc(now):
            return None
    slot = latest_slot(schedule, now, tz)
    if slot is None:
        return None
    if last_slot is None or slot > as_utc(last_slot):
        return slot
    return None


def local_time(moment: datetime, tz: str) -> str:
    """``2024-03-31 03:00 CEST``: the wall clock of zone ``tz`` at ``moment`` ("" for UTC)."""
    if tz == UTC_NAME:
        return ""
    local = as_utc(moment).astimezone(zone(tz))
    return (
        local.strftime("%Y-%m-%d %H:%M")
        + (f":{local.second:02d}" if local.second else "")
        + (f" {local.tzname()}" if local.tzname() else "")
    )
