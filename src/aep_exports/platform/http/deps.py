"""What every API route needs: the platform, the authenticated caller, the JSON body, the query."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from aep_exports.platform.backend.listing import Query
from aep_exports.platform.backend.platform import LocalPlatform
from aep_exports.platform.backend.scope import Caller
from aep_exports.platform.contract import DEFAULT_SANDBOX
from aep_exports.platform.errors import bad_request
from aep_exports.platform.gateway import authenticate


# Dependencies are ``async`` on purpose: FastAPI runs a sync dependency in the thread pool, one hop each.
async def get_platform(request: Request) -> LocalPlatform:
    platform: LocalPlatform = request.app.state.platform
    return platform


async def gateway(
    request: Request,
    authorization: Annotated[str | None, Header(description="`Bearer {ACCESS_TOKEN}` from IMS")] = None,
    x_api_key: Annotated[str | None, Header(description="The API key (the client id)")] = None,
    x_gw_ims_org_id: Annotated[
        str | None, Header(description="The organisation id, e.g. `ABC@AdobeOrg`")
    ] = None,
    x_sandbox_name: Annotated[str | None, Header(description="The sandbox, e.g. `prod`")] = None,
) -> Caller:
    """The gateway's header checks; in-process, also move due jobs along before the call is answered."""
    platform: LocalPlatform = request.app.state.platform
    default_sandbox = DEFAULT_SANDBOX if platform.contract.missing_sandbox == "default" else None
    caller = authenticate(
        request.method, request.headers, platform.auth, platform.faults, default_sandbox=default_sandbox
    )
    # The check is one indexed read; the thread-pool hop (and the write) only when a job is due.
    if platform.in_process and platform.jobs.has_due_work():
        await run_in_threadpool(platform.before_read)
    return caller


CallerDep = Annotated[Caller, Depends(gateway)]
PlatformDep = Annotated[LocalPlatform, Depends(get_platform)]


async def json_body(request: Request, _caller: CallerDep) -> Any:
    """The parsed JSON body (after the gateway accepted the call), or a 400 saying what is wrong."""
    raw = await request.body()
    if not raw.strip():
        raise bad_request("The request body is empty; a JSON document is expected.")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"The request body is not valid JSON: {exc}.") from None


BodyDep = Annotated[Any, Depends(json_body)]


async def query_of(request: Request) -> Query:
    """All query parameters, each with every value it was given."""
    result: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        result.setdefault(key, []).append(value)
    return result


QueryDep = Annotated[Query, Depends(query_of)]


def json_response(
    content: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(content, status_code=status_code, headers=headers)


def json_bytes(body: bytes, status_code: int = 200) -> Response:
    """An answer whose JSON the backend already rendered (what ``json_response`` would have sent)."""
    return Response(body, status_code=status_code, media_type="application/json")
