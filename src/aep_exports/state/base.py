"""What every state record shares: UTC datetimes, strict models, and the one request digest."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, ValidationError


def utc(value: datetime) -> datetime:
    """The same instant in UTC; refuses naive datetimes, which would be ambiguous in state."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(utc)]


def request_digest(body: Any) -> str:
    """A stable digest of a JSON value (``sha256:<hex>``), independent of key order.

    The one digest of the project: state records the digest of the request body *sent* (an
    intent's and its run's are the same), and plans digest their bodies and specs with it.
    """
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def validation_summary(exc: ValidationError, limit: int = 5) -> str:
    """One indented line per problem of a stored document: ``  field.path: message (found VALUE)``."""
    lines = []
    for error in exc.errors()[:limit]:
        where = ".".join(str(part) for part in error["loc"]) or "(document)"
        found = error.get("input")
        scalar = isinstance(found, str | int | float | bool) and len(repr(found)) <= 60
        shown = f" (found {found!r})" if scalar else ""
        lines.append(f"  {where}: {error['msg']}{shown}")
    more = exc.error_count() - limit
    if more > 0:
        lines.append(f"  ... and {more} more")
    return "\n".join(lines)


class Record(BaseModel):
    """Base of the stored records."""

    # extra="forbid": a field this build does not know means the file is not what we think it is.
    model_config = ConfigDict(extra="forbid", validate_default=True)
