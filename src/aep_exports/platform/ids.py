"""Identifiers shaped like the real ones: 24-hex dataset ids, 32-hex batch ids, uuids, request ids."""

from __future__ import annotations

import secrets
import string
import uuid

_ALNUM = string.ascii_letters + string.digits


def dataset_id() -> str:
    """A Catalog object id (24 hex digits, like a MongoDB ObjectId)."""
    return secrets.token_hex(12)


def batch_id() -> str:
    """A batch id (32 hex digits)."""
    return secrets.token_hex(16)


def file_id() -> str:
    """A dataSetFile id."""
    return secrets.token_hex(12)


def request_id() -> str:
    """A 32-character request id like ``IwkVcD4RupdSmX376OBVORvcvTdA4ypN``."""
    return "".join(secrets.choice(_ALNUM) for _ in range(32))


def gateway_job_id() -> str:
    """A compute gateway job id (a uuid)."""
    return str(uuid.uuid4())


def access_token() -> str:
    """An opaque bearer token."""
    return "eyJ" + secrets.token_urlsafe(48)
