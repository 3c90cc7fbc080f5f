"""Synchronous facade: the async client on a private event loop in a background thread.

The CLI and apply call methods synchronously; the bulk reads and ``submit``/``call`` run many calls
at once on that loop, still bounded by the one shared limiter. The facade offers the operations
aep-exports uses; every other operation of :class:`AsyncPlatformClient` is one ``call`` away::

    batch = client.call(lambda aio: aio.get_batch(batch_id))

A client works in the sandbox of its config; ``client.for_sandbox(name)`` is a view bound to another
sandbox that shares the connections, the limiter and the tokens (like a configured httpx client).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

from aep_exports.errors import ApiError

from .async_client import AsyncPlatformClient
from .config import ClientConfig
from .local_admin import LocalAdmin
from .models import BatchFile, Dataset, ExportJob, FileEntry, MergePolicy, SegmentDefinition
from .observe import ClientStats
from .records import RecordProblem

T = TypeVar("T")
AsyncCall = Callable[[AsyncPlatformClient], Awaitable[T]]


class PlatformClient:
    """Blocking access to the platform operations aep-exports uses, in one sandbox."""

    def __init__(self, config: ClientConfig, *, app: Any = None, transport: Any = None) -> None:
        self.config = config
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="aep-exports-client", daemon=True)
        self._thread.start()
        self._closed = False
        self._owner = True
        self.aio = AsyncPlatformClient(config, app=app, transport=transport)

    def __repr__(self) -> str:
        return (
            f"PlatformClient(base_url={self.config.base_url!r}, org_id={self.config.org_id!r}, "
            f"sandbox={self.sandbox!r})"
        )

    @property
    def sandbox(self) -> str:
        """The sandbox every call of this client works in."""
        return self.aio.sandbox

    def for_sandbox(self, name: str) -> PlatformClient:
        """A view of this client working in sandbox ``name`` (same connections, limiter and tokens).

        Closing the view closes nothing; close the client it came from.
        """
        view = copy.copy(self)
        view.aio = self.aio.for_sandbox(name)
        view._owner = False
        return view

    @property
    def local_admin(self) -> LocalAdmin:
        """The local platform's administration routes (clock, seed, faults, stats); Adobe has none."""
        return LocalAdmin(self)

    # ------------------------------------------------------------------ running coroutines

    def submit(self, fn: AsyncCall[T]) -> concurrent.futures.Future[T]:
        """Start ``fn(async_client)`` on the client's loop; returns a future."""
        if self._closed:
            raise RuntimeError("the platform client is closed")

        async def run() -> T:
            return await fn(self.aio)

        return asyncio.run_coroutine_threadsafe(run(), self._loop)

    def call(self, fn: AsyncCall[T]) -> T:
        """Run ``fn(async_client)`` to completion and return its result (or raise its error)."""
        future = self.submit(fn)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def close(self) -> None:
        """Close the connections and stop the loop (a ``for_sandbox`` view closes nothing)."""
        if self._closed or not self._owner:
            return
        try:
            asyncio.run_coroutine_threadsafe(self.aio.aclose(), self._loop).result(timeout=10)
        finally:
            self._closed = True
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    def __enter__(self) -> PlatformClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def stats(self) -> ClientStats:
        """Counters since creation (or the last ``reset_stats``), shared with every view."""
        return self.aio.stats()

    def reset_stats(self) -> None:
        self.aio.reset_stats()

    def record_problems(self, *, clear: bool = False) -> tuple[RecordProblem, ...]:
        """Records this client skipped or read only in part (``clear``: forget them)."""
        return self.aio.record_problems(clear=clear)

    def get_json(self, path: str, *, params: Mapping[str, Any] | None = None) -> Any:
        """GET any API ``path`` and answer its JSON as sent (read-only; see the async client's)."""
        return self.call(lambda c: c.get_json(path, params=params))

    def access_token(self) -> str:
        """A valid access token (fetched from IMS when needed); never print it."""
        return self.call(lambda c: c.access_token())

    # ------------------------------------------------------------------ datasets

    def create_dataset(self, body: Mapping[str, Any]) -> str:
        return self.call(lambda c: c.create_dataset(body))

    def get_dataset(self, dataset_id: str) -> Dataset:
        return self.call(lambda c: c.get_dataset(dataset_id))

    def get_datasets(self, dataset_ids: Iterable[str]) -> dict[str, Dataset | ApiError]:
        ids = list(dataset_ids)
        return self.call(lambda c: c.get_datasets(ids))

    def list_datasets(
        self,
        *,
        name: str | None = None,
        filters: Mapping[str, str] | None = None,
        properties: list[str] | None = None,
        order_by: str | None = None,
        page_size: int = 100,
        limit: int | None = None,
    ) -> list[Dataset]:
        return self.call(
            lambda c: c.list_datasets(
                name=name,
                filters=filters,
                properties=properties,
                order_by=order_by,
                page_size=page_size,
                limit=limit,
            )
        )

    def patch_dataset(self, dataset_id: str, changes: Mapping[str, Any]) -> None:
        self.call(lambda c: c.patch_dataset(dataset_id, changes))

    def delete_dataset(self, dataset_id: str) -> None:
        self.call(lambda c: c.delete_dataset(dataset_id))

    # ------------------------------------------------------------------ export jobs

    def create_export_job(
        self,
        body: Mapping[str, Any],
        *,
        profile_instance_id: str | None = None,
        request_id: str | None = None,
    ) -> ExportJob:
        return self.call(
            lambda c: c.create_export_job(
                body, profile_instance_id=profile_instance_id, request_id=request_id
            )
        )

    def get_export_job(self, job_id: int) -> ExportJob:
        return self.call(lambda c: c.get_export_job(job_id))

    def get_export_jobs(self, job_ids: Iterable[int]) -> dict[int, ExportJob | ApiError]:
        ids = list(job_ids)
        return self.call(lambda c: c.get_export_jobs(ids))

    def list_export_jobs(
        self,
        *,
        status: str | None = None,
        page_size: int = 100,
        since: datetime | None = None,
        stop_when: Callable[[ExportJob], bool] | None = None,
        limit: int | None = None,
    ) -> list[ExportJob]:
        return self.call(
            lambda c: c.list_export_jobs(
                status=status, page_size=page_size, since=since, stop_when=stop_when, limit=limit
            )
        )

    def cancel_export_job(self, job_id: int) -> None:
        self.call(lambda c: c.cancel_export_job(job_id))

    # ------------------------------------------------------------------ references

    def list_merge_policies(self) -> list[MergePolicy]:
        return self.call(lambda c: c.list_merge_policies())

    def list_segment_definitions(self) -> list[SegmentDefinition]:
        return self.call(lambda c: c.list_segment_definitions())

    # ------------------------------------------------------------------ data access

    def list_batch_files(self, batch_id: str) -> list[BatchFile]:
        return self.call(lambda c: c.list_batch_files(batch_id))

    def list_file_entries(self, file_id: str) -> list[FileEntry]:
        return self.call(lambda c: c.list_file_entries(file_id))


def connect(config: ClientConfig, *, app: Any = None) -> PlatformClient:
    """A synchronous client; ``app`` = an ASGI app to talk to in-process (platform and IMS)."""
    return PlatformClient(config, app=app)
