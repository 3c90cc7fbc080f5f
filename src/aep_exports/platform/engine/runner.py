"""``run_export``: select, merge, attach events and write the batches of one export job."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

from aep_exports.platform.engine import sql
from aep_exports.platform.engine.outcome import (
    MERGE_POLICY_NOT_FOUND,
    WRITE_FAILED,
    BatchOutput,
    ExportFailed,
    ExportOutcome,
    SegmentKey,
)
from aep_exports.platform.engine.paths import restrict
from aep_exports.platform.engine.request import ExportSpec, parse_request
from aep_exports.platform.engine.writer import FETCH_ROWS, PartWriter
from aep_exports.platform.store import ProfileStore

RESERVED_COLUMNS = ("identityMap", "eventList")
# Merging and attaching events work on this many profiles at a time, so memory stays bounded
# however many profiles an export selects (DuckDB cannot spill ordered list aggregates).
CHUNK_PROFILES = 200_000


def resolve_policy(store: ProfileStore, spec: ExportSpec) -> dict[str, Any] | None:
    """The request's policy, else the first requested segment's, else the default (None: timestampOrdered)."""
    if spec.policy_id is not None:
        policy = store.get_merge_policy(spec.policy_id, spec.policy_version)
        if policy is None:
            version = "latest version" if spec.policy_version is None else f"version {spec.policy_version}"
            raise ExportFailed(
                MERGE_POLICY_NOT_FOUND,
                f"Merge policy '{spec.policy_id}' ({version}) does not exist in this sandbox.",
            )
        return policy
    for segment in spec.segments:
        definition = store.get_segment_definition(segment.segmentId)
        policy_id = (definition or {}).get("mergePolicyId")
        if isinstance(policy_id, str):
            policy = store.get_merge_policy(policy_id)
            if policy is None:
                # "Omitted: the export uses the segment's merge policy" - which does not exist; using
                # another one silently would export other values than the segment's.
                raise ExportFailed(
                    MERGE_POLICY_NOT_FOUND,
                    f"Segment '{segment.segmentId}' uses merge policy '{policy_id}', "
                    "which does not exist in this sandbox.",
                )
            return policy
    return store.default_merge_policy()


def _batches(spec: ExportSpec) -> list[list[SegmentKey]]:
    if spec.segment_per_batch and spec.segments:
        return [[segment] for segment in spec.segments]
    return [spec.segments]


def _select(
    con: Any, spec: ExportSpec, batches: list[list[SegmentKey]], policy: dict[str, Any] | None
) -> None:
    parts, params = [], []
    for index, segments in enumerate(batches):
        text, values = sql.selection(
            index,
            segments,
            qual_start=spec.qual_start,
            qual_end=spec.qual_end,
            from_ingest=spec.from_ingest,
            empty_profiles=spec.empty_profiles,
            datasets=sql.merged_datasets(policy),
        )
        parts.append(text)
        params.extend(values)
    con.execute(f"CREATE TEMP TABLE {sql.SELECTION} AS {' UNION ALL '.join(parts)}", params)


def _chunks(con: Any) -> list[tuple[int, int]]:
    """Profile-key ranges holding at most ``CHUNK_PROFILES`` selected profiles each."""
    rows = con.execute(f"""
        SELECT min(pkey), max(pkey) FROM (
            SELECT pkey, (row_number() OVER (ORDER BY pkey) - 1) // {CHUNK_PROFILES} AS chunk
            FROM (SELECT DISTINCT pkey FROM {sql.SELECTION}))
        GROUP BY chunk ORDER BY chunk""").fetchall()
    return [(int(low), int(high)) for low, high in rows]


def _merge(con: Any, store: ProfileStore, spec: ExportSpec, policy: dict[str, Any] | None) -> list[Any]:
    structure = {
        key: node
        for key, node in restrict(store.fragment_structure(), spec.fields).items()
        if key not in RESERVED_COLUMNS
    }
    if not structure:
        con.execute(f"CREATE TEMP TABLE {sql.MERGED} AS SELECT NULL::BIGINT AS pkey WHERE false")
        return []
    text, params, attributes = sql.merged(structure, policy)
    con.execute(text, params)
    return attributes


def _events(con: Any, store: ProfileStore, spec: ExportSpec) -> None:
    event_list = spec.event_list
    if event_list is None:
        return
    structure = {
        key: node
        for key, node in restrict(store.event_structure(), event_list.fields).items()
        if key != "timestamp"
    }
    lower = event_list.from_ingest if event_list.from_ingest is not None else spec.from_ingest
    text, params = sql.event_list(structure, lower, event_list.to_ingest)
    con.execute(text, params)


def _arrow_reader(relation: Any) -> Any:
    """A streaming Arrow reader over a relation (DuckDB renamed the method across versions)."""
    for name in ("to_arrow_reader", "fetch_arrow_reader", "record_batch"):
        fetch = getattr(relation, name, None)
        if fetch is not None:
            return fetch(FETCH_ROWS)
    raise RuntimeError("this DuckDB version cannot stream Arrow record batches")


def _drop_temp(con: Any, tables: tuple[str, ...] = sql.TEMP_TABLES) -> None:
    for table in tables:
        con.execute(f"DROP TABLE IF EXISTS {table}")


def run_export(
    store: ProfileStore,
    request: dict[str, Any],
    out_dir: Path,
    *,
    now: datetime,
    rows_per_file: int = 100_000,
) -> ExportOutcome:
    """Run one export job into ``out_dir/<batch index>/part-NNNNN.parquet`` (see the package docstring)."""
    import duckdb

    del now  # every time the engine compares comes from the request or the data
    spec = parse_request(request)
    policy = resolve_policy(store, spec)
    batches = _batches(spec)
    con = store.connection
    export_s = write_s = 0.0
    _drop_temp(con)
    writers = [PartWriter(Path(out_dir) / str(index), rows_per_file) for index in range(len(batches))]
    try:
        started = time.perf_counter()
        _select(con, spec, batches, policy)
        # Profiles, not rows: with segmentPerBatch a profile in two segments is in two batches.
        by_namespace = dict(
            con.execute(f"""
            SELECT p.ns, count(*) FROM (SELECT DISTINCT pkey FROM {sql.SELECTION}) s
            JOIN profiles p ON p.pkey = s.pkey GROUP BY p.ns ORDER BY p.ns""").fetchall()
        )
        export_s += time.perf_counter() - started
        for low, high in _chunks(con):
            started = time.perf_counter()
            _drop_temp(con, (sql.KEYS, sql.MERGED, sql.EVENTS))
            con.execute(f"""CREATE TEMP TABLE {sql.KEYS} AS SELECT DISTINCT pkey FROM {sql.SELECTION}
                            WHERE pkey BETWEEN {low} AND {high}""")
            attributes = _merge(con, store, spec, policy)
            _events(con, store, spec)
            export_s += time.perf_counter() - started
            started = time.perf_counter()
            for index, writer in enumerate(writers):
                query = sql.output(attributes, spec.event_list is not None, index, low, high)
                writer.write(_arrow_reader(con.sql(query)))
            write_s += time.perf_counter() - started
    except OSError as exc:
        raise ExportFailed(WRITE_FAILED, f"Error writing profiles to output path '{out_dir}': {exc}") from exc
    except duckdb.Error as exc:
        raise ExportFailed(WRITE_FAILED, f"Error writing profiles to output path '{out_dir}': {exc}") from exc
    finally:
        for writer in writers:
            writer.close()
        _drop_temp(con)
    outputs = [
        BatchOutput(
            segment=segments[0] if spec.segment_per_batch and segments else None,
            directory=writer.directory,
            files=writer.files,
            record_count=writer.rows,
        )
        for segments, writer in zip(batches, writers, strict=True)
    ]
    return ExportOutcome(
        batches=outputs,
        profile_export_ms=int(export_s * 1000),
        dataset_write_ms=int(write_s * 1000),
        total_exported_profiles=sum(by_namespace.values()),
        exported_by_namespace={str(ns): int(n) for ns, n in by_namespace.items()},
        merge_policy=policy,
    )
