"""The local platform for tests, in-process and as a real server on 127.0.0.1.

Fixtures (see each docstring):

* ``platform_data``  - a fresh, empty platform data directory (function scope).
* ``platform_app``   - a fresh in-process ASGI app over ``platform_data`` (jobs finish at once).
* ``make_platform_app`` - factory: ``make_platform_app(job_duration_s=60, faults={...}, ...)``.
* ``platform_http``  - a *sync* ``httpx.Client`` talking to ``platform_app`` in-process, dev headers set.
* ``platform_server`` - the base URL (a ``str``) of a real uvicorn server in a thread, reset before each test;
  also carries ``.platform`` (the backend), ``.data_dir`` and ``.headers(sandbox="prod")``.
* ``sync_asgi_transport`` - factory: a sync httpx transport for any ASGI app (httpx's is async-only).

Every platform object has ``platform.dev_headers(sandbox)``: the five API headers with a fresh dev token.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

SERVER_STARTUP_TIMEOUT_S = 20


class SyncASGITransport(httpx.BaseTransport):
    """Drives httpx's (async-only) ASGI transport from sync code on a private event loop thread."""

    def __init__(self, app: Any) -> None:
        self._transport = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="asgi-transport", daemon=True)
        self._thread.start()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def call() -> httpx.Response:
            response = await self._transport.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(
                response.status_code, headers=response.headers, content=content, request=request
            )

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result()

    def close(self) -> None:
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        self._loop.close()


class PlatformServer(str):
    """The base URL of a running platform server, with handles on what is behind it."""

    platform: Any
    data_dir: Path

    def __new__(cls, url: str, platform: Any, data_dir: Path) -> PlatformServer:
        server = super().__new__(cls, url)
        server.platform = platform
        server.data_dir = data_dir
        return server

    @property
    def url(self) -> str:
        return str(self)

    def headers(self, sandbox: str = "prod", **kwargs: Any) -> dict[str, str]:
        """The API headers for the dev client (fresh token), for ``sandbox``."""
        headers: dict[str, str] = self.platform.dev_headers(sandbox, **kwargs)
        return headers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_platform_server(data_dir: Path, **options: Any) -> tuple[PlatformServer, Callable[[], None]]:
    """Run ``create_app(data_dir, **options)`` under uvicorn on 127.0.0.1:<free port> in a thread."""
    import uvicorn

    from aep_exports.platform.app import create_app

    app = create_app(data_dir, **options)
    port = _free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"platform-server-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_STARTUP_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the platform server did not start on 127.0.0.1:{port}")
        time.sleep(0.01)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)
        app.platform.close()

    return PlatformServer(f"http://127.0.0.1:{port}", app.platform, data_dir), stop


@pytest.fixture
def platform_data(tmp_path: Path) -> Path:
    """A fresh, empty data directory for a platform (function scope)."""
    return tmp_path / "local-platform"


@pytest.fixture
def make_platform_app(platform_data: Path) -> Iterator[Callable[..., Any]]:
    """Factory of in-process apps over ``platform_data``: ``make_platform_app(**create_app_options)``.

    Defaults: ``in_process=True``, ``job_duration_s=0`` (a job is finished on the first read after it is
    created). Several calls share the data directory (a second app is a "restart"). Closed at teardown.
    """
    from aep_exports.platform.app import create_app

    apps: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("in_process", True)
        options.setdefault("job_duration_s", 0)
        app = create_app(platform_data, **options)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.platform.close()


@pytest.fixture
def platform_app(make_platform_app: Callable[..., Any]) -> Any:
    """A fresh in-process platform app (function scope; jobs finish at once). Backend: ``.platform``."""
    return make_platform_app()


@pytest.fixture
def sync_asgi_transport() -> Iterator[Callable[[Any], SyncASGITransport]]:
    """Factory: ``sync_asgi_transport(app)`` → a transport for a sync ``httpx.Client``."""
    transports: list[SyncASGITransport] = []

    def make(app: Any) -> SyncASGITransport:
        transport = SyncASGITransport(app)
        transports.append(transport)
        return transport

    yield make
    for transport in transports:
        transport.close()


@pytest.fixture
def platform_http(
    platform_app: Any, sync_asgi_transport: Callable[[Any], SyncASGITransport]
) -> Iterator[httpx.Client]:
    """A sync httpx client on ``platform_app`` in-process, with the dev headers for sandbox ``prod``."""
    with httpx.Client(
        transport=sync_asgi_transport(platform_app),
        base_url="http://local-platform",
        headers=platform_app.platform.dev_headers("prod"),
    ) as client:
        yield client


@pytest.fixture(scope="session")
def _platform_server_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformServer]:
    data_dir = tmp_path_factory.mktemp("platform-server")
    server, stop = start_platform_server(data_dir, job_duration_s=0)
    yield server
    stop()


@pytest.fixture
def platform_server(_platform_server_session: PlatformServer) -> PlatformServer:
    """A real platform server (uvicorn, 127.0.0.1, worker thread), shared by the session.

    Scope: one server per test session (per xdist worker); every test gets it freshly reset through
    ``POST /local/reset``: no datasets, jobs or batches, clock at real time, faults off, statistics zeroed,
    ``job_duration_s=0`` (change it with ``PUT /local/settings``). Profile stores are kept (seed them
    with ``POST /local/seed``). The value is the base URL (a ``str``) with ``.platform``, ``.data_dir`` and
    ``.headers(sandbox)``.
    """
    response = httpx.post(f"{_platform_server_session}/local/reset", timeout=30)
    response.raise_for_status()
    return _platform_server_session
