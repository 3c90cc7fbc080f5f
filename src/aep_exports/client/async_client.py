"""The async core: one httpx client, one limiter and one token cache shared by every call.

A client works in one sandbox (its config's); :meth:`AsyncPlatformClient.for_sandbox` gives a view
bound to another one that shares everything else (connections, limiter, tokens, counters).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable, Iterable
from types import TracebackType
from typing import Any, TypeVar

import httpx

from aep_exports.errors import ApiError

from .backoff import Backoff
from .config import ClientConfig
from .limiter import AdaptiveLimiter
from .models import Dataset, ExportJob
from .observe import ClientStats, Counters, Redactor
from .ops_catalog import CatalogOps
from .ops_data import DataAccessOps
from .ops_jobs import JobOps
from .ops_references import ReferenceOps
from .records import RecordProblems, UnreadableRecordError
from .requester import Requester

T = TypeVar("T")
K = TypeVar("K")


class AsyncPlatformClient(CatalogOps, JobOps, ReferenceOps, DataAccessOps):
    """Every platform operation as a coroutine, in ``sandbox`` (default: the config's).

    ``app``: an ASGI app served in-process (also for IMS).
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        app: Any = None,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.config = config
        self.sandbox = config.sandbox
        self._owner = True
        if transport is None and app is not None:
            transport = httpx.ASGITransport(app=app)
        limits = httpx.Limits(
            max_connections=config.parallelism + 2, max_keepalive_connections=config.parallelism
        )
        self._http = httpx.AsyncClient(transport=transport, limits=limits, follow_redirects=False)
        self._counters = Counters()
        self._problems = RecordProblems()
        self.redact = Redactor(config.secrets())
        self.limiter = AdaptiveLimiter(
            config.parallelism, increase=config.rate_increase, min_rate=config.min_rate
        )
        self._req = Requester(
            config,
            self._http,
            counters=self._counters,
            redactor=self.redact,
            limiter=self.limiter,
            backoff=backoff,
        )

    def __repr__(self) -> str:
        return (
            f"AsyncPlatformClient(base_url={self.config.base_url!r}, org_id={self.config.org_id!r}, "
            f"sandbox={self.sandbox!r})"
        )

    def for_sandbox(self, name: str) -> AsyncPlatformClient:
        """A view of this client working in sandbox ``name``; closing it closes nothing."""
        view = copy.copy(self)
        view.sandbox = name
        view._owner = False
        return view

    async def aclose(self) -> None:
        if self._owner:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncPlatformClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def access_token(self) -> str:
        """The bearer token this client's calls carry now (fetched when none is cached). Never show it."""
        return await self._req.tokens.token()

    def stats(self) -> ClientStats:
        """Counters since creation (or the last ``reset_stats``)."""
        return self._counters.snapshot()

    def reset_stats(self) -> None:
        self._counters.reset()

    # ------------------------------------------------------------------ bulk helpers

    async def gather_each(
        self, keys: Iterable[K], fetch: Callable[[K], Awaitable[T]]
    ) -> dict[K, T | ApiError]:
        """Run ``fetch(key)`` for every key concurrently (the limiter bounds it); errors are values."""
        unique = list(dict.fromkeys(keys))

        async def one(key: K) -> T | ApiError:
            try:
                return await fetch(key)
            except ApiError as exc:
                return exc

        results = await asyncio.gather(*(one(key) for key in unique))
        return dict(zip(unique, results, strict=True))

    async def get_export_jobs(self, job_ids: Iterable[int]) -> dict[int, ExportJob | ApiError]:
        """Each job by id, concurrently; a failed read is the ``ApiError`` value, a job that cannot be
        parsed is left out (and in ``record_problems()``)."""
        found = await self.gather_each(job_ids, self.get_export_job)
        return {key: value for key, value in found.items() if not isinstance(value, UnreadableRecordError)}

    async def get_datasets(self, dataset_ids: Iterable[str]) -> dict[str, Dataset | ApiError]:
        """Each dataset by id, concurrently; a failed read is the ``ApiError`` value."""
        return await self.gather_each(dataset_ids, self.get_dataset)
