"""Constrained value types shared by the declaration models.

Every check raises ``PydanticCustomError`` with a message meant for the person editing the YAML;
``config/validation.py`` places it at the file, line and field.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from aep_exports.config.problems import short_repr

KEY_PATTERN = r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$"
KEY_MAX_LENGTH = 64
DATASET_ID_PATTERN = r"^[0-9a-fA-F]{24}$"
SCHEDULE_KEYWORDS = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@weekly": "0 0 * * 0"}
MANUAL = "manual"

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$")
_DURATION_PART = re.compile(r"(\d+)([smhd])")
_DURATION = re.compile(r"^(?:\d+[smhd])+$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
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


def parse_timestamp(value: Any) -> datetime:
    """RFC 3339 with an explicit offset (``Z`` or ``±hh:mm``) → aware datetime."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise _error(
            "timestamp",
            "{value} is not an RFC 3339 timestamp with a time zone "
            "(e.g. '2024-05-01T00:00:00Z' or '2024-05-01T02:00:00+02:00')",
            value=short_repr(value),
        )
    text = value.replace("z", "Z").replace("t", "T")
    try:
        return datetime.fromisoformat(_trim_fraction(text))
    except ValueError:
        raise _error("timestamp", "{value} is not a real date and time", value=short_repr(value)) from None


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


def parse_duration(value: Any) -> timedelta:
    """``90s``, ``30m``, ``2h``, ``1d``, ``1h30m`` → timedelta (> 0)."""
    if isinstance(value, str) and _DURATION.match(value.strip()):
        total = timedelta()
        for amount, unit in _DURATION_PART.findall(value):
            total += timedelta(**{_UNITS[unit]: int(amount)})
        if total > timedelta(0):
            return total
    raise _error(
        "duration", "{value} is not a duration like '30m', '2h', '1d' or '1h30m'", value=short_repr(value)
    )


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    WithJsonSchema({"type": "string", "pattern": r"^([0-9]+[smhd])+$", "examples": ["30m", "2h", "1d"]}),
]


def format_duration(value: timedelta) -> str:
    """Inverse of parse_duration, largest units first (``5400s`` → ``1h30m``)."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


# --- schedules -----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _is_cron(text: str) -> bool:
    """Five fields that croniter accepts (it also takes 6-7 fields with seconds/years: we do not)."""
    from croniter import croniter  # imported here: only validation needs it

    if len(text.split(" ")) != 5 or text.startswith("@"):
        return False
    try:
        return bool(croniter.is_valid(text))
    except Exception:  # croniter raises assorted types on odd input
        return False


def check_schedule(value: str) -> str:
    """``manual``, ``@hourly``/``@daily``/``@weekly`` or a 5-field cron expression (UTC)."""
    text = " ".join(value.split())
    if text in SCHEDULE_KEYWORDS or text == MANUAL:
        return text
    if _is_cron(text):
        return text
    raise _error(
        "schedule",
        "{value} is not a schedule: use 'manual', '@hourly', '@daily', '@weekly' "
        "or 5 cron fields in UTC (minute hour day-of-month month day-of-week, e.g. '0 6 * * *')",
        value=short_repr(value),
    )


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

NonEmptyText = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


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
