"""A stored job is answered from a whitelist: whatever a record holds, only the seed's keys go out."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aep_exports.platform.backend.job_wire import JOB_KEYS, METRIC_KEYS, SEGMENT_KEYS, render_job
from aep_exports.platform.contract import VARIANTS, Contract

JOB: dict[str, Any] = {
    "profileInstanceId": "ups",
    "jobType": "BATCH",
    "id": 10001,
    "status": "SUCCEEDED",
    "fields": "identities.id",
    "filter": {
        "segments": [{"segmentId": "s1", "segmentNs": "ups", "status": ["realized"], "weight": 3}],
        "fromIngestTimestamp": "2024-01-01T00:00:00Z",
        "segmentQualificationTime": {"startTime": "2024-01-01T00:00:00Z"},
        "emptyProfiles": False,
    },
    "additionalFields": {"eventList": {"fields": "x"}},
    "mergePolicy": {"id": "p", "version": 1, "name": "kept out"},
    "schema": {"name": "_xdm.context.profile"},
    "requestId": "R" * 32,
    "computeGatewayJobId": {"exportJob": "e", "pushJob": "p"},
    "metrics": {"totalTime": {"startTimeInMs": 1}, "recordsWritten": 5},
    "destination": {
        "dataSetId": "d",
        "segmentPerBatch": True,
        "batches": [{"segmentId": "s1", "batchId": "b"}],
    },
    "updateTime": 2,
    "imsOrgId": "org",
    "creationTime": 1,
}


def test_an_old_generous_record_is_answered_with_the_seed_keys_only() -> None:
    # What a platform.db written before the whitelist holds: the whole request echoed.
    wire = render_job({"job": JOB}, Contract())
    assert set(wire) == set(JOB_KEYS) - {"errors"}
    assert wire["filter"] == {"segments": [{"segmentId": "s1", "segmentNs": "ups", "status": ["realized"]}]}
    assert wire["mergePolicy"] == {"id": "p", "version": 1} and set(wire["metrics"]) == {"totalTime"}


junk = st.dictionaries(st.text(min_size=1, max_size=8), st.integers() | st.text(max_size=4), max_size=4)
contracts = st.builds(Contract, **{v.name: st.sampled_from(v.values) for v in VARIANTS})


@settings(max_examples=200, deadline=None)
@given(top=junk, in_filter=junk, in_segment=junk, in_metrics=junk, contract=contracts)
def test_nothing_outside_the_whitelist_is_ever_answered(
    top: dict[str, Any],
    in_filter: dict[str, Any],
    in_segment: dict[str, Any],
    in_metrics: dict[str, Any],
    contract: Contract,
) -> None:
    job = {**top, **JOB}
    job["filter"] = {**in_filter, "segments": [{**in_segment, **JOB["filter"]["segments"][0]}]}
    job["metrics"] = {**in_metrics, **JOB["metrics"]}
    wire = render_job(
        {"job": job, "xRequestId": "x", "resolvedMergePolicy": {"id": "p", "version": 1}}, contract
    )
    assert set(wire) <= set(JOB_KEYS)
    assert set(wire["filter"]) == {"segments"} and set(wire["filter"]["segments"][0]) <= set(SEGMENT_KEYS)
    assert set(wire["metrics"]) <= set(METRIC_KEYS) and set(wire["mergePolicy"]) == {"id", "version"}
