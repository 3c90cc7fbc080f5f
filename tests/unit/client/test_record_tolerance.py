"""The client reads every documented shape of a record, and never fails on one it cannot parse."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aep_exports.client.jsonshapes import next_page_params
from aep_exports.client.models import ExportJob, MergePolicy
from aep_exports.client.records import RecordProblems, salvage

SEED_ANSWER: dict[str, Any] = {
    "profileInstanceId": "ups",
    "jobType": "BATCH",
    "filter": {"segments": [{"segmentId": "s1", "segmentNs": "AAM", "status": ["realized"]}]},
    "id": 24115,
    "schema": {"name": "_xdm.context.profile"},
    "mergePolicy": {"id": "p", "version": 1},
    "status": "NEW",
    "requestId": "IwkVcD4RupdSmX376OBVORvcvTdA4ypN",
    "computeGatewayJobId": {},
    "metrics": {"totalTime": {"startTimeInMs": 1559674261657}},
    "destination": {
        "dataSetId": "d1",
        "segmentPerBatch": True,
        "batches": [{"segmentId": "s1", "segmentNs": "AAM", "status": ["realized"], "batchId": "b1"}],
    },
    "updateTime": 1559674261868,
    "imsOrgId": "{IMS_ORG}",
    "creationTime": 1559674261657,
}


def test_every_documented_destination_shape() -> None:
    shapes = [
        # the seed's array, the spec's single object, several batches keyed by segment
        {
            "dataSetId": "d1",
            "batches": [{"segmentId": "s1", "batchId": "b1"}, {"segmentId": "s2", "batchId": "b2"}],
        },
        {
            "datasetId": "d1",
            "batches": {"segmentId": "s1", "segmentNs": "ups", "status": "exited", "batchId": "b1"},
        },
        {"dataSetId": "d1", "batches": {"s1": {"segmentId": "s1", "batchId": "b1"}, "s2": {"batchId": "b2"}}},
        {"datasetId": "d1", "segmentPerBatch": False, "batchId": ""},
        {"datasetId": "d1", "batchId": "b1"},  # the list sample: no segmentPerBatch
    ]
    read = [ExportJob.model_validate({"id": 1, "destination": shape}) for shape in shapes]
    assert [job.dataset_id for job in read] == ["d1"] * 5
    assert [job.batch_ids for job in read] == [["b1", "b2"], ["b1"], ["b1", "b2"], [], ["b1"]]
    assert read[1].destination.batches[0].status == ["exited"]  # a guide's sample spells it as a string


def test_absent_and_null_blocks_and_versions() -> None:
    bare = ExportJob.model_validate({"id": 7, "status": "SUCCEEDED"})
    assert (
        bare.filter is None and bare.merge_policy is None and bare.dataset_id is None and bare.batch_ids == []
    )
    nulls = ExportJob.model_validate(
        {"id": 7, "filter": {"segments": None}, "destination": None, "metrics": None}
    )
    assert nulls.filter is not None and nulls.filter.segments == [] and nulls.metrics == {}
    assert (
        ExportJob.model_validate({"id": 1, "mergePolicy": {"id": "p", "version": 1.0}}).merge_policy.version
        == 1
    )
    assert MergePolicy.model_validate({"id": "p", "version": 2.0, "attributeMerge": None}).version == 2


def test_paging_from_links_page_and_link() -> None:
    guide = {"_links": {"next": {"href": "@/mergePolicies?start=K1+J/Q==&orderBy=&limit=2"}}}
    assert next_page_params(guide) == {"start": "K1+J/Q=="}  # a token's + stays a +
    assert next_page_params({"_links": {"next": {"href": ""}}, "_page": {"next": "ignored"}}) is None
    assert next_page_params({"_page": {"count": 2, "next": "abc"}}) == {"start": "abc"}
    assert next_page_params({"_page": {"count": 2, "next": ""}}) is None
    assert next_page_params({"link": {"next": "/segment/definitions?start=4&limit=2"}}) == {"start": "4"}
    assert next_page_params({"link": {}}) is None


def test_salvage_keeps_what_it_can_and_skips_what_it_cannot() -> None:
    job, problems = salvage(ExportJob, {**SEED_ANSWER, "destination": [1, 2]}, kind="export job")
    assert job is not None and job.dataset_id is None and job.merge_policy is not None
    assert [(p.record_id, p.skipped) for p in problems] == [("24115", False)]
    job, problems = salvage(ExportJob, {**SEED_ANSWER, "id": "twelve"}, kind="export job")
    assert job is None and problems[-1].skipped and problems[-1].record_id == "twelve"
    assert "id" in problems[-1].problem
    job, problems = salvage(ExportJob, ["not", "a", "job"], kind="export job")
    assert job is None and problems[-1].record_id is None and "without id" in problems[-1].describe()


def test_problem_log_is_bounded() -> None:
    log = RecordProblems()
    _, problems = salvage(ExportJob, {"id": "x"}, kind="export job")
    for _ in range(1_500):
        log.add(problems)
    assert len(log.snapshot()) == 1_000
    assert len(log.snapshot(clear=True)) == 1_000 and log.snapshot() == ()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(key=st.sampled_from(sorted(SEED_ANSWER)), value=json_values, nested=st.booleans())
def test_salvage_never_raises_and_accounts_for_every_record(key: str, value: Any, nested: bool) -> None:
    """Any key of the seed's answer replaced by any JSON: parsed (maybe in part) or skipped, never raised."""
    record = dict(SEED_ANSWER)
    if nested and isinstance(record[key], dict) and record[key]:
        inner = dict(record[key])
        inner[sorted(inner)[0]] = value
        record[key] = inner
    else:
        record[key] = value
    job, problems = salvage(ExportJob, record, kind="export job", essential=("id", "status"))
    if job is None:
        assert problems and problems[-1].skipped and key in ("id", "status")
    else:
        assert job.id == (int(record["id"]) if key == "id" else 24115)
        assert all(not p.skipped and p.record_id == str(record["id"]) for p in problems)
