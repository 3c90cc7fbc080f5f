"""Which contract variant a platform shows, inferred from answers read for ``doctor`` (pure functions).

Where the references are silent or disagree, a platform may answer in several ways (the local
platform's ``--cancelled-job``, ``--batches``, … flags; docs/local-platform.md). The client reads every
one of them; ``doctor`` tells which one this platform uses, from what a read-only visit shows:

- ``merge_policy_paging``: the listing's ``_links.next.href`` (``links``) or ``_page.next`` (``page``);
- ``batches``: a segment-per-batch job's ``destination.batches`` as an array or an object;
- ``dataset_id_key``: ``dataSetId``/``datasetId`` beside ``batches`` and beside ``batchId``;
- ``listed_segments``: a listed job's segments compared with the same job read by id;
- ``request_id``: whether jobs aep-exports created show its ``x-request-id`` (the intent id) as ``requestId``;
- ``merge_policy_echo``: whether a job created without a merge policy (or version) names one;
- ``cancelled_job``: how jobs aep-exports cancelled read now (CANCELLED, FAILED or 404).

Each answer is a value of the variant, or ``unknown`` with the values still possible and why. The names
are those of the local platform's variants (a test checks they agree); this module does not import it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

UNKNOWN = "unknown"
# The open points of the contract, in the order docs/local-platform.md lists them.
VARIANT_NAMES = (
    "cancelled_job",
    "batches",
    "merge_policy_paging",
    "request_id",
    "missing_sandbox",
    "listed_segments",
    "merge_policy_echo",
    "dataset_id_key",
    "cancel_answer",
)


@dataclass(frozen=True)
class Seen:
    """What the platform shows for one open point of the contract."""

    variant: str
    value: str  # one value of the variant, or "unknown"
    evidence: str
    candidates: tuple[str, ...] = ()  # when unknown: the values still possible

    def as_json(self) -> dict[str, Any]:
        return {"value": self.value, "evidence": self.evidence, "candidates": list(self.candidates)}


def _unknown(variant: str, evidence: str, *candidates: str) -> Seen:
    return Seen(variant, UNKNOWN, evidence, tuple(candidates))


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def segments_of(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    listed = _object(record.get("filter")).get("segments")
    return [s for s in listed if isinstance(s, dict)] if isinstance(listed, list) else []


def seen_paging(answer: Any) -> Seen:
    """``merge_policy_paging`` from one page of the merge-policy listing."""
    body = _object(answer)
    if isinstance(body.get("_links"), dict):
        return Seen("merge_policy_paging", "links", "the merge-policy listing pages with _links.next.href")
    page = _object(body.get("_page"))
    if "next" in page or "count" in page:
        return Seen("merge_policy_paging", "page", "the merge-policy listing pages with _page.next")
    return _unknown("merge_policy_paging", "the merge-policy listing shows neither _links nor _page.next")


def seen_batches(records: Iterable[Mapping[str, Any]]) -> Seen:
    """``batches`` from the segment-per-batch jobs of a listing."""
    shapes = {
        "array" if isinstance(batches, list) else "object"
        for batches in (_object(r.get("destination")).get("batches") for r in records)
        if isinstance(batches, list | dict)
    }
    if len(shapes) == 1:
        shape = shapes.pop()
        return Seen("batches", shape, f"segment-per-batch jobs show destination.batches as an {shape}")
    if shapes:
        return _unknown("batches", "destination.batches shows as an array and an object", "array", "object")
    return _unknown("batches", "no segment-per-batch job on the first page of jobs", "array", "object")


def seen_dataset_id_key(records: Iterable[Mapping[str, Any]]) -> Seen:
    """``dataset_id_key``: which key holds the dataset id beside ``batches`` and beside ``batchId``."""
    beside: dict[bool, set[str]] = {True: set(), False: set()}  # per batch? -> keys seen
    for record in records:
        destination = _object(record.get("destination"))
        keys = {key for key in ("dataSetId", "datasetId") if key in destination}
        beside["batches" in destination].update(keys)
    with_batches, with_batch_id = beside[True], beside[False]
    everything = with_batches | with_batch_id
    if len(everything) == 1:
        key = next(iter(everything))
        seed_spelling = "dataSetId" if with_batches else "datasetId"
        if (with_batches and with_batch_id) or key != seed_spelling:
            return Seen("dataset_id_key", key, f"every job spells {key}")
        return _unknown(
            "dataset_id_key",
            f"jobs spell {key} beside {'batches' if with_batches else 'batchId'}; no job of the other kind "
            "on the first page tells the seed's spelling from this one",
            "seed",
            key,
        )
    if with_batches == {"dataSetId"} and with_batch_id == {"datasetId"}:
        return Seen("dataset_id_key", "seed", "dataSetId beside batches, datasetId beside batchId (the seed)")
    if everything:
        return _unknown("dataset_id_key", f"jobs spell the dataset id {', '.join(sorted(everything))} "
                        "in no pattern aep-exports knows")
    return _unknown("dataset_id_key", "no job on the first page of jobs", "seed", "dataSetId", "datasetId")


def seen_listed_segments(
    records: Iterable[Mapping[str, Any]], read: Mapping[int, Mapping[str, Any]]
) -> Seen:
    """``listed_segments``: listed jobs' segments against the same jobs read by id (``read``)."""
    compared = 0
    for record in records:
        listed = segments_of(record)
        if not listed:
            continue
        if any(set(entry) - {"segmentId"} for entry in listed):
            return Seen("listed_segments", "as-requested", "listed jobs show segmentNs/status")
        got = read.get(_job_id(record))
        if got is None:
            continue
        compared += 1
        if any(set(entry) - {"segmentId"} for entry in segments_of(got)):
            return Seen(
                "listed_segments", "id-only", "listed jobs show segmentId alone; read by id they show more"
            )
    why = (
        "the jobs compared were created with segment ids alone"
        if compared
        else "no job with segments on the first page of jobs"
    )
    return _unknown("listed_segments", why, "as-requested", "id-only")


def seen_request_id(records: Iterable[Mapping[str, Any]], sent: Mapping[int, str]) -> Seen:
    """``request_id``: ``sent`` maps jobs aep-exports created to the ``x-request-id`` it sent (state)."""
    ours = [(record, sent[_job_id(record)]) for record in records if sent.get(_job_id(record))]
    if any(record.get("requestId") == request_id for record, request_id in ours):
        return Seen("request_id", "echo", "jobs aep-exports created show its x-request-id as requestId")
    if ours:
        return Seen(
            "request_id",
            "generated",
            f"{len(ours)} job(s) aep-exports created show a requestId of the platform's own",
        )
    return _unknown("request_id", "no job created by aep-exports on the first page", "generated", "echo")


def seen_merge_policy_echo(
    records: Iterable[Mapping[str, Any]], requests: Mapping[int, Mapping[str, Any]]
) -> Seen:
    """``merge_policy_echo``: ``requests`` maps jobs aep-exports created to the body it sent (state)."""
    shown_without = False
    for record in records:
        shown = _object(record.get("mergePolicy"))
        request = requests.get(_job_id(record))
        if request is None:
            shown_without = shown_without or not shown
            continue
        asked = _object(request.get("mergePolicy"))
        if shown and (not asked or ("version" in shown and "version" not in asked)):
            return Seen(
                "merge_policy_echo",
                "resolved",
                "a job created without a merge policy (or its version) names the one it uses",
            )
        shown_without = shown_without or (not shown and not asked)
    if shown_without:
        return Seen("merge_policy_echo", "as-requested", "a job shows no merge policy")
    return _unknown(
        "merge_policy_echo",
        "no job on the first page was created without a merge policy",
        "as-requested",
        "resolved",
    )


def seen_cancelled_job(
    records: Iterable[Mapping[str, Any]], ours: Mapping[int, Mapping[str, Any] | None]
) -> Seen:
    """``cancelled_job``: ``ours`` maps jobs aep-exports cancelled to how they read now (None: 404)."""
    for job_id, got in sorted(ours.items(), reverse=True):
        if got is None:
            return Seen("cancelled_job", "gone", f"job {job_id} (ours, cancelled) answers 404")
        status = str(got.get("status", "")).upper()
        if status == "CANCELLED":
            return Seen("cancelled_job", "cancelled", f"job {job_id} (ours, cancelled) reads CANCELLED")
        if status == "FAILED":
            return Seen("cancelled_job", "failed", f"job {job_id} (ours, cancelled) reads FAILED")
    if any(str(r.get("status", "")).upper() == "CANCELLED" for r in records):
        return Seen("cancelled_job", "cancelled", "a listed job reads CANCELLED")
    return _unknown(
        "cancelled_job",
        "no job cancelled by aep-exports to look at: it shows after the first timeout or removal cancel",
        "cancelled",
        "failed",
        "gone",
    )


def not_observable(variant: str, why: str) -> Seen:
    """A variant a read-only visit cannot see."""
    return _unknown(variant, why)


def _job_id(record: Mapping[str, Any]) -> int:
    value = record.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else -1
