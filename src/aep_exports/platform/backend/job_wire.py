"""An export job as the API answers it: only the keys the references show, shaped by the contract.

A stored job record keeps everything the platform knows (the full request, the internal status, the
``x-request-id`` the create call carried, the merge policy the job uses); what a response holds is
built here from a whitelist, so nothing of the request leaks into an answer by accident. The keys and
their order are those of the seed's samples (create, list, get); finished jobs add the metrics of the
public reference (``totalExportedProfileCounter``, ``exportedProfileByNamespaceCounter``).
"""

from __future__ import annotations

from typing import Any

from aep_exports.platform.contract import Contract

# The seed's samples, in their order (``errors`` sits after ``profileInstanceId`` in the failed one).
JOB_KEYS = (
    "profileInstanceId",
    "errors",
    "jobType",
    "filter",
    "id",
    "schema",
    "mergePolicy",
    "status",
    "requestId",
    "computeGatewayJobId",
    "metrics",
    "destination",
    "updateTime",
    "imsOrgId",
    "creationTime",
)
SEGMENT_KEYS = ("segmentId", "segmentNs", "status")
METRIC_KEYS = (
    "totalTime",
    "profileExportTime",
    "aCPDatasetWriteTime",
    "totalExportedProfileCounter",
    "exportedProfileByNamespaceCounter",
)
# What a cancelled job carries in the ``cancelled_job=failed`` variant: an entry shaped like the
# seed's errors (code, msg, callStack); the seed's own catch-all code is "unknown".
CANCELLED_ERROR = {"code": "unknown", "msg": "Export job was cancelled.", "callStack": ""}


def echoed_segments(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The request's ``filter.segments`` with only the keys the answers show (as the request gave them)."""
    segments = (request.get("filter") or {}).get("segments") or []
    return [{key: segment[key] for key in SEGMENT_KEYS if key in segment} for segment in segments]


def render_job(record: dict[str, Any], contract: Contract) -> dict[str, Any]:
    """The job of ``record`` as create and get answer it (a new dict; ``record`` is not changed)."""
    job = record["job"]
    wire: dict[str, Any] = {}
    for key in JOB_KEYS:
        value = _value(key, job, record, contract)
        if value is not None:
            wire[key] = value
    return wire


def as_listed(wire: dict[str, Any], contract: Contract) -> dict[str, Any]:
    """A rendered job as the list answers it (the same, unless listings show segment ids only)."""
    if contract.listed_segments != "id-only" or "filter" not in wire:
        return wire
    segments = [{"segmentId": s["segmentId"]} for s in wire["filter"].get("segments", []) if "segmentId" in s]
    return {**wire, "filter": {"segments": segments}}


def _value(key: str, job: dict[str, Any], record: dict[str, Any], contract: Contract) -> Any:
    cancelled = job.get("status") == "CANCELLED"
    if key == "status":
        return "FAILED" if cancelled and contract.cancelled_job == "failed" else job.get("status")
    if key == "errors":
        if cancelled and contract.cancelled_job == "failed":
            return [dict(CANCELLED_ERROR)]
        return job.get("errors") or None
    if key == "filter":
        segments = [
            {k: s[k] for k in SEGMENT_KEYS if k in s} for s in (job.get("filter") or {}).get("segments") or []
        ]
        return {"segments": segments} if segments else None
    if key == "mergePolicy":
        return _merge_policy(job.get("mergePolicy"), record.get("resolvedMergePolicy"), contract)
    if key == "requestId":
        echoed = record.get("xRequestId") if contract.request_id == "echo" else None
        return echoed or job.get("requestId")
    if key == "metrics":
        metrics = job.get("metrics") or {}
        return {k: metrics[k] for k in METRIC_KEYS if k in metrics}
    if key == "destination":
        return _destination(job["destination"], contract)
    return job.get(key)


def _merge_policy(
    requested: dict[str, Any] | None, resolved: dict[str, Any] | None, contract: Contract
) -> dict[str, Any] | None:
    policy: dict[str, Any] | None = (
        {k: requested[k] for k in ("id", "version") if k in requested} if requested else None
    )
    if contract.merge_policy_echo != "resolved" or not resolved:
        return policy
    if policy is None:
        return {"id": resolved["id"], "version": resolved["version"]}
    if "version" not in policy and policy.get("id") == resolved.get("id"):
        return {**policy, "version": resolved["version"]}
    return policy


def _destination(stored: dict[str, Any], contract: Contract) -> dict[str, Any]:
    dataset_id = stored.get("dataSetId", stored.get("datasetId"))
    per_batch = "batches" in stored
    key = (
        ("dataSetId" if per_batch else "datasetId")
        if contract.dataset_id_key == "seed"
        else contract.dataset_id_key
    )
    destination: dict[str, Any] = {key: dataset_id, "segmentPerBatch": stored.get("segmentPerBatch", False)}
    if not per_batch:
        destination["batchId"] = stored.get("batchId", "")
        return destination
    batches = [
        {**{k: b[k] for k in SEGMENT_KEYS if k in b}, "batchId": b.get("batchId", "")}
        for b in stored["batches"]
    ]
    destination["batches"] = batches if contract.batches == "array" else _batches_object(batches)
    return destination


def _batches_object(batches: list[dict[str, Any]]) -> dict[str, Any]:
    """The spec's ``batches`` object: the batch itself when there is one; several are keyed by segment.

    The spec types ``batches`` as one object holding ``segmentId, segmentNs, status, batchId``; it cannot
    hold several, so several are an object of such objects keyed by ``segmentId`` (``segmentId/segmentNs``
    when one segment id is requested in two namespaces).
    """
    if len(batches) == 1:
        return dict(batches[0])
    keyed: dict[str, Any] = {}
    for batch in batches:
        key = str(batch.get("segmentId"))
        if key in keyed:
            key = f"{key}/{batch.get('segmentNs', '')}"
        while key in keyed:
            key += "+"
        keyed[key] = batch
    return keyed
