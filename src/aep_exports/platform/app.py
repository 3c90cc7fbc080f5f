"""``create_app``: the local platform as one ASGI app (FastAPI), for uvicorn or httpx's ASGI transport."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from aep_exports.platform.backend.platform import LocalPlatform, PlatformOptions
from aep_exports.platform.errors import PROBLEM_TYPE, PlatformError
from aep_exports.platform.http import routes_admin, routes_catalog, routes_data, routes_ims, routes_jobs
from aep_exports.platform.http.middleware import PlatformMiddleware

_TITLES = {404: "Not Found", 405: "Method Not Allowed"}


class _QuietDroppedAnswers(logging.Filter):
    """uvicorn logs an error for every answer the drop fault cuts short; those are on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "returned without completing response" not in record.getMessage()


def create_app(data_dir: Path, *, in_process: bool = False, **options: Any) -> Any:
    """The platform over ``data_dir`` (created if missing; its content survives restarts).

    ``in_process=True``: jobs advance lazily on each API call (no thread), for httpx's ASGI transport.
    Otherwise a worker thread, started with the app's lifespan, advances them. Options: ``job_duration_s``
    (platform-clock seconds from creation to the end of a job, default 3), ``token_lifetime_s``,
    ``rows_per_file``, ``clients`` (extra ``ApiClient``s or ``"ID:SECRET:ORG"`` strings), ``faults``
    (a ``FaultConfig`` or a mapping), ``worker`` (False: never start the worker thread).
    The :class:`LocalPlatform` is at ``app.state.platform`` (and ``app.platform`` on the returned app).
    """
    platform = LocalPlatform(Path(data_dir), PlatformOptions.build(in_process, options))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        platform.start_worker()
        try:
            yield
        finally:
            platform.stop_worker()

    api = FastAPI(
        title="aep-exports local platform",
        version="1",
        description="An offline emulator of the AEP Catalog, export job, Data Access and IMS APIs.",
        lifespan=lifespan,
    )
    api.state.platform = platform
    for module in (routes_ims, routes_catalog, routes_jobs, routes_data, routes_admin):
        api.include_router(module.router)
    api.add_exception_handler(PlatformError, _platform_error)
    api.add_exception_handler(RequestValidationError, _validation_error)
    api.add_exception_handler(StarletteHTTPException, _http_error)
    logging.getLogger("uvicorn.error").addFilter(_QuietDroppedAnswers())
    modules = (routes_ims, routes_catalog, routes_jobs, routes_data, routes_admin)
    app = PlatformMiddleware(api, platform, [route for module in modules for route in module.router.routes])
    return app


async def _platform_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PlatformError)
    return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        f"{'.'.join(str(p) for p in error.get('loc', ()))}: {error.get('msg')}" for error in exc.errors()
    ]
    return JSONResponse(
        {
            "type": f"{PROBLEM_TYPE}bad-request",
            "title": "Bad Request",
            "status": 400,
            "detail": "; ".join(problems) or "Invalid request.",
        },
        status_code=400,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = _TITLES.get(exc.status_code, "Error")
    detail = (
        f"No route {request.method} {request.url.path}." if exc.status_code in _TITLES else str(exc.detail)
    )
    return JSONResponse(
        {
            "type": f"{PROBLEM_TYPE}{title.lower().replace(' ', '-')}",
            "title": title,
            "status": exc.status_code,
            "detail": detail,
        },
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )
