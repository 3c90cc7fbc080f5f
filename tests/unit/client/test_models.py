"""Wire models accept the documented inconsistencies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aep_exports.client.models import (
    Batch,
    BatchFile,
    Dataset,
    ExportJob,
    FileEntry,
    MergePolicy,
    SegmentDefinition,
    epoch_to_datetime,
    parse_dataset_refs,
)

SEED_JOB = {
    "profileInstanceId": "ups",
    "jobType": "BATCH",
    "id": 24115,
    "status": "NEW",
    "filter": {"segments": [{"segmentId": "4edc", "segmentNs": "AAM", "status": ["realized"]}]},
    "schema": {"name": "_xdm.context.profile"},
    "mergePolicy": {"id": "0bf16e61", "version": 1},
    "requestId": "IwkVcD4",
    "computeGatewayJobId": {},
    "metrics": {"totalTime": {"startTimeInMs": 1559674261657}},
    "destination": {
        "dataSetId": "5cf6bcf79ecc7c14530fe436",
        "segmentPerBatch": True,
        "batches": [
            {"segmentId": "4edc", "segmentNs": "AAM", "status": ["realized"], "batchId": "da5c"},
            {"segmentId": "1rfe", "segmentNs": "UPS", "status": ["exited"], "batchId": "df4g"},
        ],
    },
    "updateTime": 1559674261868,
    "imsOrgId": "{IMS_ORG}",
    "creationTime": 1559674261657,
    "somethingNew": {"x": 1},
}


def test_seed_job_parses_with_dataSetId_and_batches() -> None:
    job = ExportJob.model_validate(SEED_JOB)
    assert job.id == 24115 and job.dataset_id == "5cf6bcf79ecc7c14530fe436"
    assert job.batch_ids == ["da5c", "df4g"]
    assert job.schema_name == "_xdm.context.profile"
    assert job.merge_policy is not None and job.merge_policy.version == 1
    assert job.filter is not None and job.filter.segments[0].segment_ns == "AAM"
    assert job.created_at == datetime(2019, 6, 4, 18, 51, 1, 657000, tzinfo=UTC)
    assert not job.is_finished and not job.succeeded
    assert job.model_extra == {"somethingNew": {"x": 1}}
    wire = job.to_wire()
    assert wire["destination"]["datasetId"] == "5cf6bcf79ecc7c14530fe436" and wire["somethingNew"] == {"x": 1}


def test_single_batch_id_and_empty_batch() -> None:
    job = ExportJob.model_validate(
        {"id": 1, "status": "SUCCEEDED", "destination": {"datasetId": "d", "batchId": "b"}}
    )
    assert job.dataset_id == "d" and job.batch_ids == ["b"] and job.succeeded and job.is_finished
    empty = ExportJob.model_validate(
        {"id": 2, "status": "SUCCEEDED", "destination": {"datasetId": "d", "batchId": ""}}
    )
    assert empty.batch_ids == []


@pytest.mark.parametrize(
    ("status", "finished", "succeeded"),
    [
        ("NEW", False, False),
        ("PROCESSING", False, False),
        ("SUCCEEDED", True, True),
        ("FAILED", True, False),
        ("CANCELLED", True, False),
        ("SOMETHING_ELSE", True, False),
    ],
)
def test_unknown_statuses_are_finished_without_success(status: str, finished: bool, succeeded: bool) -> None:
    job = ExportJob.model_validate({"id": 1, "status": status, "errors": None, "destination": None})
    assert (job.is_finished, job.succeeded) == (finished, succeeded)


def test_epoch_seconds_or_milliseconds() -> None:
    assert epoch_to_datetime(1559674261) == epoch_to_datetime(1559674261000)
    assert epoch_to_datetime(None) is None


def test_dataset_refs_both_spellings() -> None:
    assert parse_dataset_refs(["@/dataSets/5b020a27e7040801dedba61b"]) == ["5b020a27e7040801dedba61b"]
    assert parse_dataset_refs(["@/datasets/abc"]) == ["abc"]
    assert parse_dataset_refs("@/dataSets/abc") == ["abc"]
    assert parse_dataset_refs({"oops": 1}) == []


def test_dataset_and_reference_models() -> None:
    ds = Dataset.model_validate(
        {
            "id": "abc",
            "name": "n",
            "tags": None,
            "schemaRef": {
                "id": "https://ns.adobe.com/xdm/context/profile__union",
                "contentType": "application/vnd.adobe.xed+json;version=1",
            },
            "fileDescription": {"format": "parquet"},
            "created": 1559674261657,
            "classification": {"dataBehavior": "record"},
            "files": "@/dataSetFiles?x",
        }
    )
    assert (
        ds.tags == {} and ds.schema_ref is not None and ds.schema_ref.content_type.startswith("application")
    )
    assert ds.created_at is not None and ds.created_at.year == 2019
    batch = Batch.model_validate(
        {"id": "b", "status": "success", "relatedObjects": [{"type": "dataSet", "id": "abc"}]}
    )
    assert batch.dataset_id == "abc"
    bf = BatchFile.model_validate(
        {"dataSetFileId": "f1", "isValid": True, "_links": {"self": {"href": "/x/f1"}}}
    )
    assert bf.file_id == "f1" and bf.href == "/x/f1"
    fe = FileEntry.model_validate({"name": "part-0000.parquet", "length": "1234"})
    assert fe.length == 1234
    mp = MergePolicy.model_validate(
        {
            "id": "m",
            "version": 2,
            "schema": {"name": "_xdm.context.profile"},
            "attributeMerge": {"type": "timestampOrdered"},
            "default": True,
        }
    )
    assert mp.schema_name == "_xdm.context.profile" and mp.is_default is True
    sd = SegmentDefinition.model_validate(
        {"id": "s", "name": "S", "mergePolicyId": "m", "expression": {"type": "PQL"}}
    )
    assert sd.merge_policy_id == "m"
