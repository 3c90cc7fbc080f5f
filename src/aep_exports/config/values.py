"""Constrained value types shared by the declaration models.

Every check raises ``PydanticCustomError`` with a message meant for the person editing the YAML;
``config/validation.py`` places it at the file, line and field.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from aep_exports.config.durations import PATTERN as DURATION_PATTERN
from aep_exports.config.durations import DurationError, parse_duration
from aep_exports.config.problems import did_you_mean, short_repr

KEY_PATTERN = r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$"
KEY_MAX_LENGTH = 64
DATASET_ID_PATTERN = r"^[0-9a-fA-F]{24}$"
SCHEDULE_KEYWORDS = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@weekly": "0 0 * * 0"}
MANUAL = "manual"

_FIELD_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")
_TAG_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,99}$")
_TAG_VALUE = re.compile(r"^[\w .:/@+=,-]{1,256}$")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$")


def _error(kind: str, message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, message, context or None)


# --- keys -------------------------------------------------------------------------------------


def check_key(value: str) -> str:
    """A declaration key: the stable name used in state and plans."""
    if not re.match(KEY_PATTERN, value) or len(value) > KEY_MAX_LENGTH:
        raise _error(
            "key",
            "key {key} must be lowercase letters, digits, '-' or '_', start with a letter "
            "and be at most {limit} characters (e.g. 'vip-daily')",
            key=short_repr(value),
            limit=KEY_MAX_LENGTH,
        )
    return value


Key = Annotated[
    str,
    AfterValidator(check_key),
    WithJsonSchema({"type": "string", "pattern": KEY_PATTERN, "maxLength": KEY_MAX_LENGTH}),
]


# --- timestamps and durations -------------------------------------------------------------------

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$")
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
"""Earlier instants are refused: the API counts time in milliseconds since 1970."""
TIMESTAMP_EXAMPLES = "'2024-05-01T00:00:00Z' or '2024-05-01T02:00:00+02:00'"


def parse_rfc3339(text: str) -> datetime:
    """The project's one timestamp parser: RFC 3339 with an explicit offset (``Z`` or ``±hh:mm``).

    Returns an aware datetime (offset kept); raises ValueError with a message for the user. A
    missing time zone is an error, never read as local time or UTC.
    """
    value = text.strip() if isinstance(text, str) else text
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise ValueError(
            f"{short_repr(text)} is not an RFC 3339 timestamp with a time zone (e.g. {TIMESTAMP_EXAMPLES})"
        )
    normal = value.replace("z", "Z").replace("t", "T")
    try:
        moment = datetime.fromisoformat(_trim_fraction(normal))
        too_early = moment < EARLIEST
    except (ValueError, OverflowError):
        raise ValueError(f"{short_repr(text)} is not a real date and time") from None
    if too_early:
        raise ValueError(f"{short_repr(text)} is before {EARLIEST.year}: the platform counts time from 1970")
    return moment


def parse_timestamp(value: Any) -> datetime:
    """Pydantic form of :func:`parse_rfc3339` (an aware datetime passes as it is)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    try:
        return parse_rfc3339(value)
    except ValueError as exc:
        raise _error("timestamp", "{detail}", detail=str(exc)) from None


def _trim_fraction(text: str) -> str:
    # datetime.fromisoformat keeps microseconds only; RFC 3339 allows nanoseconds.
    match = re.match(r"^(.*\.\d{6})\d+(.*)$", text)
    return f"{match.group(1)}{match.group(2)}" if match else text


def format_timestamp(value: datetime) -> str:
    """RFC 3339 text: ``Z`` for UTC, the offset otherwise."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


Timestamp = Annotated[
    datetime, BeforeValidator(parse_timestamp), WithJsonSchema({"type": "string", "format": "date-time"})
]


def _duration_validator(*, allow_zero: bool) -> Any:
    def check(value: Any) -> timedelta:
        if isinstance(value, timedelta):
            value = value.total_seconds()
        try:
            return parse_duration(value, allow_zero=allow_zero)
        except DurationError as exc:
            raise _error("duration", "{detail}", detail=str(exc)) from None

    return check


_DURATION_SCHEMA = {
    "anyOf": [
        {"type": "string", "pattern": DURATION_PATTERN, "examples": ["30s", "30m", "1h30m", "1.5h", "1d"]},
        {"type": "number", "minimum": 0, "description": "seconds"},
    ]
}

Duration = Annotated[
    timedelta, BeforeValidator(_duration_validator(allow_zero=False)), WithJsonSchema(_DURATION_SCHEMA)
]
"""A positive duration (``timeout``)."""


def _seconds(*, allow_zero: bool) -> Any:
    check = _duration_validator(allow_zero=allow_zero)
    return lambda value: check(value).total_seconds()


Seconds = Annotated[float, BeforeValidator(_seconds(allow_zero=False)), WithJsonSchema(_DURATION_SCHEMA)]
"""A positive duration held as seconds (settings read as floats: ``request_timeout``, ``deadline``)."""
SecondsOrZero = Annotated[float, BeforeValidator(_seconds(allow_zero=True)), WithJsonSchema(_DURATION_SCHEMA)]
"""A duration of 0 or more, as seconds (``lock_timeout: 0`` fails at once)."""


# --- schedules -----------------------------------------------------------------------------------

MAX_YEARS_BETWEEN_SLOTS = 10
"""A cron with no slot within this many years is refused (``0 0 31 2 *``); the planner searches as far."""
CRON_FIELDS = (
    ("minute", "0-59"),
    ("hour", "0-23"),
    ("day-of-month", "1-31"),
    ("month", "1-12 or JAN-DEC"),
    ("day-of-week", "0-6 or SUN-SAT"),
)


@functools.lru_cache(maxsize=1024)
def cron_problem(text: str) -> str | None:
    """Why ``text`` is not a usable 5-field cron expression, naming the field; None when it is."""
    from croniter import croniter  # imported here: only validation and planning need it

    fields = text.split(" ")
    if len(fields) != 5:
        return (
            f"a cron expression has 5 fields (minute hour day-of-month month day-of-week, e.g. "
            f"'0 6 * * *'), this one has {len(fields)}; or use 'manual', '@hourly', '@daily', '@weekly'"
        )
    for index, (name, allowed) in enumerate(CRON_FIELDS):
        alone = " ".join(field if i == index else "*" for i, field in enumerate(fields))
        if not _croniter_accepts(alone):
            return f"the {name} field {fields[index]!r} is not valid (allowed: {allowed}, '*', lists, steps)"
    if not _croniter_accepts(text):
        return "croniter does not accept this cron expression"
    try:
        croniter(text, EARLIEST, max_years_between_matches=MAX_YEARS_BETWEEN_SLOTS).get_next(datetime)
    except Exception:  # CroniterBadDateError: no date matches (e.g. 31 February)
        years = MAX_YEARS_BETWEEN_SLOTS
        return f"no date matches it within {years} years (like 31 February): it would never run"
    return None


def _croniter_accepts(text: str) -> bool:
    from croniter import croniter

    try:
        return bool(croniter.is_valid(text))
    except Exception:  # croniter raises assorted types on odd input
        return False


def check_schedule(value: str) -> str:
    """``manual``, ``@hourly``/``@daily``/``@weekly`` or a 5-field cron expression (UTC)."""
    text = " ".join(value.split())
    if text in SCHEDULE_KEYWORDS or text == MANUAL:
        return text
    if " " not in text:  # a keyword, misspelt (a cron expression has spaces)
        raise _error(
            "schedule",
            "{value} is not a schedule: use 'manual', '@hourly', '@daily', '@weekly' or 5 cron fields{hint}",
            value=short_repr(value),
            hint=did_you_mean(text.lower(), [*SCHEDULE_KEYWORDS, MANUAL]),
        )
    problem = cron_problem(text)
    if problem is None:
        return text
    raise _error("schedule", "{value} is not a schedule: {problem}", value=short_repr(value), problem=problem)


Schedule = Annotated[
    str,
    AfterValidator(check_schedule),
    WithJsonSchema(
        {
            "type": "string",
            "examples": ["@daily", "0 6 * * 1-5", "manual"],
            "description": "manual, @hourly, @daily, @weekly or 5-field cron (UTC)",
        }
    ),
]


# --- field lists and identifiers ---------------------------------------------------------------------


def split_fields(value: Any) -> Any:
    """``"a.b,c"`` (the API's form) or ``[a.b, c]`` → ``["a.b", "c"]``, each a dotted path."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise _error(
            "field_path",
            "expected a list of field paths or a comma-separated string, got {value}",
            value=short_repr(value),
        )
    cleaned = [item.strip() if isinstance(item, str) else item for item in items]
    for item in cleaned:
        if isinstance(item, str) and not _FIELD_PATH.match(item):
            raise _error(
                "field_path",
                "{value} is not a dotted field path like 'personalEmail.address'",
                value=short_repr(item),
            )
    if not cleaned:
        raise _error("field_path", "give at least one field, or leave the key out to export all fields")
    strings = [item for item in cleaned if isinstance(item, str)]  # other items: the tuple type reports them
    if len(set(strings)) != len(strings):
        raise _error("field_path", "a field is listed twice")
    return cleaned


FieldList = Annotated[
    tuple[str, ...],
    BeforeValidator(split_fields),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "description": "comma-separated dotted paths"},
                {"type": "array", "items": {"type": "string"}, "minItems": 1},
            ]
        }
    ),
]


def check_identifier(value: str) -> str:
    """Ids and namespaces sent to the API: no spaces, quotes or control characters."""
    if not _IDENTIFIER.match(value):
        raise _error(
            "identifier",
            "{value} is not a valid id (letters, digits, '-', '_', '.', ':', '@')",
            value=short_repr(value),
        )
    return value


Identifier = Annotated[
    str, AfterValidator(check_identifier), WithJsonSchema({"type": "string", "pattern": _IDENTIFIER.pattern})
]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _control_character(pattern: re.Pattern[str], what: str) -> Any:
    def check(value: str) -> str:
        found = pattern.search(value)
        if found:
            raise _error(
                "control_character",
                "{value} holds the control character U+{code}: {what}",
                value=short_repr(value),
                code=f"{ord(found.group()):04X}",
                what=what,
            )
        return value

    return check


check_single_line = _control_character(_CONTROL, "names and ids are plain text on one line")
check_free_text = _control_character(_CONTROL_BUT_LINES, "only line breaks and tabs are allowed in free text")

NonEmptyText = Annotated[
    str, StringConstraints(min_length=1, max_length=1024), AfterValidator(check_single_line)
]
"""A name sent to the platform: one line of printable text."""
FreeText = Annotated[str, StringConstraints(max_length=4096), AfterValidator(check_free_text)]
"""A description: printable text, line breaks and tabs allowed."""


# --- tags ---------------------------------------------------------------------------------------------
# Tag names and values are sent as-is to the platform: printable, short, no markup or quotes.


def check_tag_name(value: str) -> str:
    """A dataset tag name."""
    if not _TAG_NAME.match(value):
        raise _error(
            "tag",
            "tag name {name} may hold only letters, digits and _ . : / - (at most 100 characters)",
            name=short_repr(value),
        )
    return value


def check_tag_value(value: str) -> str:
    """A dataset tag value."""
    if not _TAG_VALUE.match(value):
        raise _error(
            "tag",
            "tag value {value} is unsafe: use 1-256 letters, digits, spaces and _ . : / @ + = , -",
            value=short_repr(value),
        )
    return value


TagName = Annotated[
    str, AfterValidator(check_tag_name), WithJsonSchema({"type": "string", "pattern": _TAG_NAME.pattern})
]
TagValue = Annotated[
    str, AfterValidator(check_tag_value), WithJsonSchema({"type": "string", "pattern": _TAG_VALUE.pattern})
]
