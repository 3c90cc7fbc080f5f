"""The outermost ASGI layer: request statistics and the HTTP faults (latency, 5xx, lost answers)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aep_exports.platform.backend.platform import LocalPlatform

log = logging.getLogger(__name__)
API_PREFIX = "/data/"


class ResponseDropped(httpx.RemoteProtocolError):
    """In-process stand-in for a connection broken before the answer arrived (the request took effect).

    It is the exception httpx raises when a server closes the connection mid-answer, so a client handles
    both ways in alike. Over a real socket the platform sends the status line and closes the connection.
    """


class PlatformMiddleware:
    """Counts every request per route template and status; injects faults into API routes."""

    def __init__(self, app: ASGIApp, platform: LocalPlatform, routes: list[Any]) -> None:
        self.app = app
        self.platform = platform  # what tests and ``serve`` reach for: ``app.platform``
        self.state: Any = getattr(app, "state", None)
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = [500]

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        dropped = False
        try:
            if scope["path"].startswith(API_PREFIX):
                dropped = await self._api_call(scope, receive, send, counting_send, status)
            else:
                await self.app(scope, receive, counting_send)
        finally:
            self.platform.stats.record(
                f"{scope['method']} {self._template(scope)}", status[0], dropped=dropped
            )

    async def _api_call(
        self, scope: Scope, receive: Receive, send: Send, counting_send: Send, status: list[int]
    ) -> bool:
        faults = self.platform.faults
        delay = faults.delay_s()
        if delay:
            await asyncio.sleep(delay)
        injected = faults.injected_error()
        if injected is not None:
            status[0] = injected
            await _send_json(send, injected, _injected_body(injected))
            return False
        if not faults.drop_response(scope["method"]):
            await self.app(scope, receive, counting_send)
            return False
        start: list[Message] = []

        async def swallow(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                start.append(message)

        await self.app(scope, receive, swallow)
        log.info("fault: dropped the %s answer of %s %s", status[0], scope["method"], scope["path"])
        if self.platform.in_process:
            raise ResponseDropped("Server disconnected without sending a complete response (injected fault).")
        if start:
            # Status line and headers, then no body: the server closes the connection (uvicorn does so
            # when an app returns without completing its answer), the client sees a broken connection.
            await send(start[0])
        return True

    def _template(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is not None and hasattr(route, "path"):
            return str(route.path)
        for candidate in self.routes:
            match, _ = candidate.matches(scope)
            if match is Match.FULL and hasattr(candidate, "path"):
                return str(candidate.path)
        return "(unmatched)"


def _injected_body(status: int) -> dict[str, Any]:
    if status == 503:
        return {
            "type": "https://ns.adobe.com/aep/errors/service-unavailable",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "The service is temporarily unavailable (injected fault).",
        }
    return {
        "type": "https://ns.adobe.com/aep/errors/internal-server-error",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "An internal error occurred (injected fault).",
    }


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
