"""Each contract variant answers as documented (docs/local-platform.md), in-process and over a socket.

Variants are chosen with ``PUT /local/contract`` (and ``create_app(contract=...)``); ``/local/reset``
restores the values the platform started with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aep_exports.platform.contract import VARIANTS, Contract

JOBS = "/data/core/ups/export/jobs"
POLICIES = "/data/core/ups/config/mergePolicies"
AAM_SEGMENT = {
    "segmentId": "4edc8488-2c35-4f6d-b4c6-9075c68d2df4",
    "segmentNs": "AAM",
    "status": ["realized"],
}
DEFAULT_POLICY = "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2"  # the seeded store's default policy
UPS_SEGMENT = {"segmentId": "1rfe8422-334d-12f4-3sd4-12cf6g990g51", "segmentNs": "UPS", "status": ["exited"]}
Validate = Callable[[str, str, Any], None]


def use(api: httpx.Client, **variants: str) -> dict[str, str]:
    answer = api.put("/local/contract", json=variants)
    assert answer.status_code == 200, answer.text
    chosen: dict[str, str] = answer.json()
    return chosen


def per_batch_job(api: httpx.Client, make_dataset: Any, *segments: dict[str, Any]) -> dict[str, Any]:
    dataset_id = make_dataset(api)
    return {
        "filter": {"segments": list(segments)},
        "destination": {"datasetId": dataset_id, "segmentPerBatch": True},
        "schema": {"name": "_xdm.context.profile"},
    }


def test_contract_route_reads_replaces_and_refuses(api: httpx.Client) -> None:
    assert api.get("/local/contract").json() == Contract().as_dict()
    assert use(api, cancelled_job="gone", batches="object")["cancelled_job"] == "gone"
    assert use(api)["cancelled_job"] == "cancelled"  # PUT replaces: omitted variants go back to default
    assert api.put("/local/contract", json={"cancelled_job": "deleted"}).status_code == 400
    refused = api.put("/local/contract", json={"colour": "blue"})
    assert refused.status_code == 400 and "unknown contract variant" in refused.json()["detail"]
    use(api, request_id="echo")
    api.post("/local/reset").raise_for_status()
    assert api.get("/local/contract").json()["request_id"] == "generated"


def test_every_variant_is_documented() -> None:
    from pathlib import Path

    docs = (Path(__file__).parents[3] / "docs" / "local-platform.md").read_text(encoding="utf-8")
    for variant in VARIANTS:
        assert f"`{variant.name}`" in docs, variant.name
        for value in variant.values:
            assert f"`{value}`" in docs, (variant.name, value)


@pytest.mark.parametrize("cancelled", ["cancelled", "failed", "gone"])
def test_what_a_cancelled_job_reads_as(
    api: httpx.Client, bodies: Any, make_dataset: Any, spec_validate: Validate, cancelled: str
) -> None:
    use(api, cancelled_job=cancelled)
    api.platform.configure({"job_duration_s": 3600})
    job_id = api.post(JOBS, json=bodies.simple_job(make_dataset(api))).json()["id"]
    other = api.post(JOBS, json=bodies.simple_job(make_dataset(api))).json()["id"]
    deleted = api.delete(f"{JOBS}/{job_id}")
    assert deleted.status_code == 204 and deleted.content == b""
    got = api.get(f"{JOBS}/{job_id}")
    listed = [r["id"] for r in api.get(JOBS).json()["records"]]
    if cancelled == "gone":
        assert got.status_code == 404 and listed == [other]
        assert api.delete(f"{JOBS}/{job_id}").status_code == 404
        assert api.get(JOBS, params={"status": "CANCELLED"}).status_code == 400
        return
    job = got.json()
    assert listed == [other, job_id] and job["destination"]["batchId"] == ""
    if cancelled == "cancelled":
        assert job["status"] == "CANCELLED" and "errors" not in job
        assert [r["id"] for r in api.get(JOBS, params={"status": "CANCELLED"}).json()["records"]] == [job_id]
        return
    assert job["status"] == "FAILED" and [set(e) for e in job["errors"]] == [{"code", "msg", "callStack"}]
    spec_validate("segmentation.yaml", "ExportJobResponse", job)
    assert [r["id"] for r in api.get(JOBS, params={"status": "FAILED"}).json()["records"]] == [job_id]
    assert api.get(JOBS, params={"status": "CANCELLED"}).status_code == 400  # not a status here


def test_cancel_answers_the_spec_body_in_its_variant(
    api: httpx.Client, bodies: Any, make_dataset: Any, spec_validate: Validate
) -> None:
    use(api, cancel_answer="200")
    api.platform.configure({"job_duration_s": 3600})
    job_id = api.post(JOBS, json=bodies.simple_job(make_dataset(api))).json()["id"]
    answer = api.delete(f"{JOBS}/{job_id}")
    assert answer.status_code == 200
    assert answer.json() == {"status": True, "message": "Export job has been marked for cancelling"}
    spec_validate("segmentation.yaml", "CancelExportJobResponse", answer.json())


def test_batches_as_the_spec_object(
    api: httpx.Client, bodies: Any, make_dataset: Any, spec_validate_verbatim: Validate
) -> None:
    use(api, batches="object")
    api.platform.configure({"job_duration_s": 3600})
    one = api.post(JOBS, json=per_batch_job(api, make_dataset, AAM_SEGMENT)).json()
    assert set(one["destination"]["batches"]) == {"segmentId", "segmentNs", "status", "batchId"}
    spec_validate_verbatim("segmentation.yaml", "ExportJobResponse", one)  # the spec as published
    two = api.post(JOBS, json=per_batch_job(api, make_dataset, AAM_SEGMENT, UPS_SEGMENT)).json()
    batches = two["destination"]["batches"]
    assert set(batches) == {AAM_SEGMENT["segmentId"], UPS_SEGMENT["segmentId"]}
    assert batches[UPS_SEGMENT["segmentId"]]["status"] == ["exited"]
    # Switching back renders the stored jobs again: the seed's array.
    use(api)
    again = api.get(f"{JOBS}/{two['id']}").json()["destination"]["batches"]
    assert [b["segmentId"] for b in again] == [AAM_SEGMENT["segmentId"], UPS_SEGMENT["segmentId"]]


@pytest.mark.parametrize("spelling", ["seed", "dataSetId", "datasetId"])
def test_dataset_id_spelling(api: httpx.Client, bodies: Any, make_dataset: Any, spelling: str) -> None:
    use(api, dataset_id_key=spelling)
    single = api.post(JOBS, json=bodies.simple_job(make_dataset(api))).json()["destination"]
    per_batch = api.post(JOBS, json=per_batch_job(api, make_dataset, AAM_SEGMENT)).json()["destination"]
    expected = {"seed": ("datasetId", "dataSetId")}.get(spelling, (spelling, spelling))
    assert (expected[0] in single, expected[1] in per_batch) == (True, True)
    assert {"datasetId", "dataSetId"} & set(single) == {expected[0]}


@pytest.mark.parametrize("request_id", ["generated", "echo"])
def test_request_id_echo(api: httpx.Client, bodies: Any, make_dataset: Any, request_id: str) -> None:
    use(api, request_id=request_id)
    sent = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"
    job = api.post(JOBS, json=bodies.simple_job(make_dataset(api)), headers={"x-request-id": sent}).json()
    unsent = api.post(JOBS, json=bodies.simple_job(make_dataset(api))).json()
    assert (job["requestId"] == sent) is (request_id == "echo")
    assert len(unsent["requestId"]) == 32 and unsent["requestId"] != sent
    assert api.get(f"{JOBS}/{job['id']}").json()["requestId"] == job["requestId"]


@pytest.mark.parametrize("missing", ["refuse", "default"])
def test_missing_sandbox(api: httpx.Client, make_dataset: Any, missing: str) -> None:
    use(api, missing_sandbox=missing)
    in_prod = make_dataset(api)  # the api fixture's sandbox is prod
    answer = api.get("/data/foundation/catalog/dataSets", headers={"x-sandbox-name": ""})
    if missing == "refuse":
        assert answer.status_code == 400 and answer.json()["title"] == "Missing sandbox"
    else:
        assert answer.status_code == 200 and in_prod in answer.json()


def test_listed_segments_id_only(api: httpx.Client, bodies: Any, make_dataset: Any) -> None:
    use(api, listed_segments="id-only")
    body = per_batch_job(api, make_dataset, AAM_SEGMENT, UPS_SEGMENT)
    job = api.post(JOBS, json=body).json()
    assert job["filter"]["segments"] == [AAM_SEGMENT, UPS_SEGMENT]  # create and get: as requested
    assert api.get(f"{JOBS}/{job['id']}").json()["filter"] == job["filter"]
    (record,) = api.get(JOBS).json()["records"]
    assert record["filter"]["segments"] == [{"segmentId": s["segmentId"]} for s in (AAM_SEGMENT, UPS_SEGMENT)]


@pytest.mark.parametrize("echo", ["as-requested", "resolved"])
def test_merge_policy_echo(api: httpx.Client, bodies: Any, make_dataset: Any, echo: str) -> None:
    api.post("/local/seed", json={"profiles": 10, "seed": 1}).raise_for_status()
    use(api, merge_policy_echo=echo)
    job = api.post(JOBS, json=bodies.simple_job(make_dataset(api))).json()
    named = api.post(
        JOBS, json=bodies.simple_job(make_dataset(api), mergePolicy={"id": DEFAULT_POLICY})
    ).json()
    if echo == "as-requested":
        assert "mergePolicy" not in job and named["mergePolicy"] == {"id": DEFAULT_POLICY}
    else:  # the sandbox's default policy, latest version, from the create answer on
        assert job["mergePolicy"] == named["mergePolicy"] == {"id": DEFAULT_POLICY, "version": 1}


@pytest.mark.parametrize("paging", ["links", "page"])
def test_merge_policy_paging(
    api: httpx.Client, paging: str, spec_validate: Validate, load_policies: Callable[[int], list[str]]
) -> None:
    use(api, merge_policy_paging=paging)
    ids = load_policies(7)
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    pages = 0
    while True:
        page = api.get(POLICIES, params=params).json()
        pages += 1
        seen += [p["id"] for p in page["children"]]
        for policy in page["children"]:
            spec_validate("profile.yaml", "MergePolicy", policy)
        if paging == "page":
            spec_validate("profile.yaml", "MergePoliciesResponse", page)
            token = page["_page"]["next"]
        else:
            assert set(page) == {"_page", "children", "_links"} and page["_page"]["totalCount"] == len(ids)
            href = page["_links"]["next"]["href"]
            token = href.split("start=", 1)[1].split("&", 1)[0] if href else ""
            assert not href or href.startswith("@/mergePolicies?start=")
        if not token:
            break
        params = {"limit": 2, "start": token}
    assert len(ids) >= 7 and pages == -(-len(ids) // 2) and sorted(seen) == sorted(ids)
    assert api.get(POLICIES, params={"start": "not-a-token"}).status_code == 400


def test_create_app_chooses_the_variants(
    make_platform_app: Any, sync_asgi_transport: Any, bodies: Any
) -> None:
    app = make_platform_app(contract={"cancelledJob": "gone", "cancel-answer": "200"})
    with httpx.Client(transport=sync_asgi_transport(app), base_url="http://local-platform") as client:
        client.headers.update(app.platform.dev_headers("prod"))
        assert client.get("/local/contract").json()["cancelled_job"] == "gone"
        client.put("/local/contract", json={}).raise_for_status()
        client.post("/local/reset").raise_for_status()
        assert client.get("/local/contract").json()["cancel_answer"] == "200"  # back to its start values
    with pytest.raises(ValueError, match="cancelled_job"):
        make_platform_app(contract={"cancelled_job": "vanished"})


def test_references_answer_the_documented_objects(api: httpx.Client, spec_validate: Validate) -> None:
    api.post("/local/seed", json={"profiles": 5, "seed": 1}).raise_for_status()
    page = api.get("/data/core/ups/segment/definitions", params={"limit": 2}).json()
    assert set(page) == {"segments", "page", "link"}  # the segment definitions guide's list answer
    for definition in page["segments"]:
        spec_validate("segmentation.yaml", "SegmentDefinition", definition)
    policy = api.get(f"{POLICIES}/{DEFAULT_POLICY}").json()
    spec_validate("profile.yaml", "MergePolicy", policy)
    # The guide's merge policy object, in its order (no key of ours).
    guide = [
        "id",
        "name",
        "imsOrgId",
        "schema",
        "version",
        "identityGraph",
        "attributeMerge",
        "default",
        "updateEpoch",
    ]
    assert list(policy) == [key for key in guide if key in policy] and len(policy) >= 8
