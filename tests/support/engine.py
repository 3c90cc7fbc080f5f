"""Helpers of the export engine tests: run an export on a store, read its parquet files back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from aep_exports.platform.engine import ExportOutcome, run_export
from aep_exports.platform.store import ProfileStore
from support.engine_reference import normalise

ORG = "TEST0000@AdobeOrg"
NOW = datetime(2024, 6, 1)


def read_rows(files: list[Path]) -> list[dict[str, Any]]:
    """Every row of the batch's parquet files, identityMap as a dict."""
    rows: list[dict[str, Any]] = []
    for path in files:
        for row in pq.read_table(path).to_pylist():
            row["identityMap"] = dict(row["identityMap"])
            rows.append(row)
    return rows


def columns(files: list[Path]) -> list[str]:
    return pq.read_schema(files[0]).names


def identity_of(row: dict[str, Any]) -> tuple[str, str]:
    ((namespace, entries),) = row["identityMap"].items()
    return entries[0]["id"], namespace


def engine_batches(outcome: ExportOutcome) -> list[Any]:
    """The outcome in the reference's shape: [(segment key, {identity: normalised row})]."""
    result = []
    for batch in outcome.batches:
        rows = {identity_of(row): normalise(row) for row in read_rows(batch.files)}
        assert len(rows) == batch.record_count
        key = (
            None
            if batch.segment is None
            else (batch.segment.segmentId, batch.segment.segmentNs, batch.segment.status)
        )
        result.append((key, rows))
    return result


def export(store: ProfileStore, request: dict[str, Any], out: Path, **kwargs: Any) -> ExportOutcome:
    body = {"destination": {"datasetId": "ds1"}, "schema": {"name": "_xdm.context.profile"}, **request}
    return run_export(store, body, out, now=NOW, **kwargs)
