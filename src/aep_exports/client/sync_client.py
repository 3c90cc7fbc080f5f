"""Synchronous facade: the async client on a private event loop in a background thread.

The CLI and apply call methods synchronously; bulk helpers and ``gather``/``submit`` run many calls
at once on that loop, still bounded by the one shared limiter.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from aep_exports.errors import ApiError

from .async_client import AsyncPlatformClient
from .config import ClientConfig
from .models import Batch, BatchFile, Dataset, ExportJob, FileEntry, MergePolicy, SegmentDefinition
from .observe import ClientStats
from .ops_data import DownloadResult
from .records import RecordProblem

T = TypeVar("T")
AsyncCall = Callable[[AsyncPlatformClient], Awaitable[T]]


class PlatformClient:
    """Blocking access to every platform operation; every method takes ``sandbox=`` to override."""

    def __init__(self, config: ClientConfig, *, app: Any = None, transport: Any = None) -> None:
        self.config = config
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="aep-exports-client", daemon=True)
        self._thread.start()
        self._closed = False
        self.aio = AsyncPlatformClient(config, app=app, transport=transport)

    def __repr__(self) -> str:
        return f"PlatformClient(base_url={self.config.base_url!r}, org_id={self.config.org_id!r})"

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

    def gather(self, fns: Iterable[AsyncCall[T]]) -> list[T | ApiError]:
        """Run many calls concurrently; each result is the value or the ``ApiError`` it raised."""
        calls = list(fns)

        async def run(aio: AsyncPlatformClient) -> list[T | ApiError]:
            results = await aio.gather_each(range(len(calls)), lambda i: calls[i](aio))
            return [results[i] for i in range(len(calls))]

        return self.call(run)

    def close(self) -> None:
        if self._closed:
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
        return self.aio.stats()

    def reset_stats(self) -> None:
        self.aio.reset_stats()

    def record_problems(self, *, clear: bool = False) -> tuple[RecordProblem, ...]:
        """Records this client skipped or read only in part (``clear``: forget them)."""
        return self.aio.record_problems(clear=clear)

    # ------------------------------------------------------------------ datasets and batches

    def create_dataset(self, body: Mapping[str, Any], *, sandbox: str | None = None) -> str:
        return self.call(lambda c: c.create_dataset(body, sandbox=sandbox))

    def get_dataset(self, dataset_id: str, *, sandbox: str | None = None) -> Dataset:
        return self.call(lambda c: c.get_dataset(dataset_id, sandbox=sandbox))

    def get_datasets(
        self, dataset_ids: Iterable[str], *, sandbox: str | None = None
    ) -> dict[str, Dataset | ApiError]:
        ids = list(dataset_ids)
        return self.call(lambda c: c.get_datasets(ids, sandbox=sandbox))

    def list_datasets(
        self,
        *,
        name: str | None = None,
        filters: Mapping[str, str] | None = None,
        properties: list[str] | None = None,
        order_by: str | None = None,
        page_size: int = 100,
        limit: int | None = None,
        sandbox: str | None = None,
    ) -> list[Dataset]:
        return self.call(
            lambda c: c.list_datasets(
                name=name,
                filters=filters,
                properties=properties,
                order_by=order_by,
                page_size=page_size,
                limit=limit,
                sandbox=sandbox,
            )
        )

    def patch_dataset(
        self, dataset_id: str, changes: Mapping[str, Any], *, sandbox: str | None = None
    ) -> None:
        self.call(lambda c: c.patch_dataset(dataset_id, changes, sandbox=sandbox))

    def patch_dataset_ops(
        self, dataset_id: str, operations: list[dict[str, Any]], *, sandbox: str | None = None
    ) -> None:
        self.call(lambda c: c.patch_dataset_ops(dataset_id, operations, sandbox=sandbox))

    def delete_dataset(self, dataset_id: str, *, sandbox: str | None = None) -> None:
        self.call(lambda c: c.delete_dataset(dataset_id, sandbox=sandbox))

    def list_batches(
        self, dataset_id: str | None = None, *, limit: int = 100, sandbox: str | None = None
    ) -> list[Batch]:
        return self.call(lambda c: c.list_batches(dataset_id, limit=limit, sandbox=sandbox))

    def get_batch(self, batch_id: str, *, sandbox: str | None = None) -> Batch:
        return self.call(lambda c: c.get_batch(batch_id, sandbox=sandbox))

    # ------------------------------------------------------------------ export jobs

    def create_export_job(
        self,
        body: Mapping[str, Any],
        *,
        sandbox: str | None = None,
        profile_instance_id: str | None = None,
        request_id: str | None = None,
    ) -> ExportJob:
        return self.call(
            lambda c: c.create_export_job(
                body, sandbox=sandbox, profile_instance_id=profile_instance_id, request_id=request_id
            )
        )

    def get_export_job(self, job_id: int, *, sandbox: str | None = None) -> ExportJob:
        return self.call(lambda c: c.get_export_job(job_id, sandbox=sandbox))

    def get_export_jobs(
        self, job_ids: Iterable[int], *, sandbox: str | None = None
    ) -> dict[int, ExportJob | ApiError]:
        ids = list(job_ids)
        return self.call(lambda c: c.get_export_jobs(ids, sandbox=sandbox))

    def list_export_jobs(
        self,
        *,
        status: str | None = None,
        page_size: int = 100,
        since: datetime | None = None,
        stop_when: Callable[[ExportJob], bool] | None = None,
        limit: int | None = None,
        sandbox: str | None = None,
    ) -> list[ExportJob]:
        return self.call(
            lambda c: c.list_export_jobs(
                status=status,
                page_size=page_size,
                since=since,
                stop_when=stop_when,
                limit=limit,
                sandbox=sandbox,
            )
        )

    def cancel_export_job(self, job_id: int, *, sandbox: str | None = None) -> None:
        self.call(lambda c: c.cancel_export_job(job_id, sandbox=sandbox))

    # ------------------------------------------------------------------ references

    def list_merge_policies(self, *, sandbox: str | None = None) -> list[MergePolicy]:
        return self.call(lambda c: c.list_merge_policies(sandbox=sandbox))

    def get_merge_policy(self, policy_id: str, *, sandbox: str | None = None) -> MergePolicy:
        return self.call(lambda c: c.get_merge_policy(policy_id, sandbox=sandbox))

    def list_segment_definitions(self, *, sandbox: str | None = None) -> list[SegmentDefinition]:
        return self.call(lambda c: c.list_segment_definitions(sandbox=sandbox))

    def get_segment_definition(self, segment_id: str, *, sandbox: str | None = None) -> SegmentDefinition:
        return self.call(lambda c: c.get_segment_definition(segment_id, sandbox=sandbox))

    # ------------------------------------------------------------------ data access

    def list_batch_files(self, batch_id: str, *, sandbox: str | None = None) -> list[BatchFile]:
        return self.call(lambda c: c.list_batch_files(batch_id, sandbox=sandbox))

    def list_file_entries(self, file_id: str, *, sandbox: str | None = None) -> list[FileEntry]:
        return self.call(lambda c: c.list_file_entries(file_id, sandbox=sandbox))

    def download_file(
        self,
        file_id: str,
        name: str,
        dest: Path,
        *,
        expected_size: int | None = None,
        sandbox: str | None = None,
    ) -> DownloadResult:
        return self.call(
            lambda c: c.download_file(file_id, name, dest, expected_size=expected_size, sandbox=sandbox)
        )


def connect(config: ClientConfig, *, app: Any = None) -> PlatformClient:
    """A synchronous client; ``app`` = an ASGI app to talk to in-process (platform and IMS)."""
    return PlatformClient(config, app=app)
