"""IMS token route (``POST /ims/token/v3``), on the same host as the APIs."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from aep_exports.platform.http.deps import PlatformDep

router = APIRouter(tags=["IMS"])

_FORM_DOC = {
    "requestBody": {
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["client_credentials"]},
                        "client_id": {"type": "string"},
                        "client_secret": {"type": "string"},
                        "scope": {"type": "string"},
                    },
                }
            }
        }
    }
}


@router.post("/ims/token/v3", openapi_extra=_FORM_DOC)
async def issue_token(request: Request, platform: PlatformDep) -> JSONResponse:
    """Client credentials in a form body (or ``client_id`` in the query) → a bearer token."""
    raw = (await request.body()).decode("utf-8", errors="replace")
    form: dict[str, str] = dict(request.query_params)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" and raw.strip():
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if isinstance(data, dict):
            form.update({k: str(v) for k, v in data.items()})
    else:
        form.update(dict(parse_qsl(raw, keep_blank_values=True)))
    return JSONResponse(platform.auth.issue_token(form))
