"""Export job requests are validated like the real service; DELETE follows the reference's choice."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

JOBS = "/data/core/ups/export/jobs"


@pytest.mark.parametrize(
    ("change", "mentions"),
    [
        ({"destination": {}}, "destination.datasetId"),
        ({"destination": None}, "destination.datasetId"),
        ({"schema": None}, "schema.name"),
        ({"schema": {"name": "_xdm.context.experienceevent"}}, "schema.name"),
        ({"fields": ["a", "b"]}, "fields"),
        ({"filter": {"segments": [{"segmentNs": "ups"}]}}, "filter.segments[0].segmentId"),
        ({"filter": {"segments": [{"segmentId": "s", "status": ["gone"]}]}}, "filter.segments[0].status"),
        ({"filter": {"fromIngestTimestamp": "last tuesday"}}, "filter.fromIngestTimestamp"),
        (
            {"filter": {"segmentQualificationTime": {"startTime": "2019-13-45"}}},
            "segmentQualificationTime.startTime",
        ),
        ({"filter": {"emptyProfiles": "yes"}}, "filter.emptyProfiles"),
        ({"mergePolicy": {"version": 1}}, "mergePolicy.id"),
        ({"additionalFields": {"eventList": {"filter": {"toIngestTimestamp": 5}}}}, "toIngestTimestamp"),
    ],
)
def test_invalid_requests_are_refused_with_a_detail(
    platform_http: httpx.Client, make_dataset: Any, bodies: Any, change: dict[str, Any], mentions: str
) -> None:
    body = bodies.simple_job(make_dataset(platform_http))
    body.update({k: v for k, v in change.items() if v is not None})
    for key in (k for k, v in change.items() if v is None):
        body.pop(key)
    response = platform_http.post(JOBS, json=body)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["status"] == 400 and problem["title"] == "Bad Request" and mentions in problem["detail"]
    assert platform_http.get(JOBS).json()["records"] == []


def test_target_dataset_must_exist_be_profile_union_and_parquet(
    platform_http: httpx.Client, make_dataset: Any, bodies: Any
) -> None:
    unknown = platform_http.post(JOBS, json=bodies.simple_job("5b020a27e7040801dedba61b"))
    assert unknown.status_code == 400 and "does not exist" in unknown.json()["detail"]
    events = make_dataset(platform_http, schemaRef={"id": "https://ns.adobe.com/xdm/context/experienceevent"})
    wrong_schema = platform_http.post(JOBS, json=bodies.simple_job(events))
    assert wrong_schema.status_code == 400 and "profile__union" in wrong_schema.json()["detail"]
    csv = make_dataset(platform_http, fileDescription={"persisted": True, "format": "csv"})
    not_parquet = platform_http.post(JOBS, json=bodies.simple_job(csv))
    assert not_parquet.status_code == 400 and "parquet" in not_parquet.json()["detail"]


def test_delete_semantics(platform_http: httpx.Client, make_dataset: Any, bodies: Any) -> None:
    dataset_id = make_dataset(platform_http)
    finished = platform_http.post(JOBS, json=bodies.simple_job(dataset_id)).json()
    before = platform_http.get(f"{JOBS}/{finished['id']}").json()
    assert before["status"] == "SUCCEEDED"
    assert platform_http.delete(f"{JOBS}/{finished['id']}").status_code == 204
    assert platform_http.get(f"{JOBS}/{finished['id']}").json() == before  # no change
    for unknown in ("999999999", "not-a-number"):
        response = platform_http.delete(f"{JOBS}/{unknown}")
        assert response.status_code == 404 and response.json()["status"] == 404
        assert platform_http.get(f"{JOBS}/{unknown}").status_code == 404


def test_unknown_merge_policy_fails_the_job(
    platform_http: httpx.Client, make_dataset: Any, bodies: Any
) -> None:
    job = platform_http.post(JOBS, json=bodies.seed_job(make_dataset(platform_http))).json()
    failed = platform_http.get(f"{JOBS}/{job['id']}").json()
    assert failed["status"] == "FAILED"
    assert failed["errors"] and all({"code", "msg"} <= set(error) for error in failed["errors"])
    assert "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2" in failed["errors"][0]["msg"]
    assert all(batch["batchId"] == "" for batch in failed["destination"]["batches"])


def test_profile_instance_header_is_echoed(
    platform_http: httpx.Client, make_dataset: Any, bodies: Any
) -> None:
    response = platform_http.post(
        JOBS,
        json=bodies.simple_job(make_dataset(platform_http)),
        headers={"x-profile-instance-id": "ups-test"},
    )
    assert response.json()["profileInstanceId"] == "ups-test"
    assert response.headers["X-Location"] == f"/data/core/ups/export/jobs/{response.json()['id']}"
