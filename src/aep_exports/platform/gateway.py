"""The API gateway's header checks, in the order the gateway applies them, with its documented answers."""

from __future__ import annotations

from collections.abc import Mapping

from aep_exports.platform import errors
from aep_exports.platform.backend.auth import AuthBackend
from aep_exports.platform.backend.scope import Caller
from aep_exports.platform.faults import FaultInjector

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_JSON_TYPES = ("application/json", "application/json-patch+json")


def authenticate(
    method: str,
    headers: Mapping[str, str],
    auth: AuthBackend,
    faults: FaultInjector | None = None,
    *,
    default_sandbox: str | None = None,
) -> Caller:
    """Check the headers of one API call and answer who is calling; raise the gateway's error otherwise.

    ``headers`` must be looked up case-insensitively (Starlette's ``Headers`` is). ``default_sandbox``: the
    sandbox of a call without ``x-sandbox-name`` (None: such a call is refused).
    """
    authorization = headers.get("authorization", "").strip()
    if not authorization:
        raise errors.missing_token()
    api_key = headers.get("x-api-key", "").strip()
    if not api_key:
        raise errors.missing_api_key()
    client = auth.clients.get(api_key)
    if client is None:
        raise errors.invalid_api_key()
    scheme, _, token = authorization.partition(" ")
    info = auth.token_info(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    # A token only works with the API key of the client it was issued to.
    if info is None or info.client_id != client.client_id:
        raise errors.invalid_token()
    org_id = headers.get("x-gw-ims-org-id", "").strip()
    if not org_id:
        raise errors.missing_org()
    if org_id not in client.org_ids:
        raise errors.org_not_entitled()
    if faults is not None:
        wait_s = faults.throttle(client.client_id)
        if wait_s is not None:
            raise errors.too_many_requests(wait_s)
    if method.upper() in _BODY_METHODS:
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in _JSON_TYPES:
            raise errors.missing_content_type()
    sandbox = headers.get("x-sandbox-name", "").strip() or default_sandbox
    if not sandbox:
        raise errors.missing_sandbox()
    return Caller(client_id=client.client_id, org_id=org_id, sandbox=sandbox)
