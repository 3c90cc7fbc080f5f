"""Profile/Segmentation routes under ``/data/core/ups``: export jobs, merge policies, segment definitions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse

from aep_exports.platform.http import docs
from aep_exports.platform.http.deps import (
    BodyDep,
    CallerDep,
    PlatformDep,
    QueryDep,
    json_bytes,
    json_response,
)

router = APIRouter(prefix="/data/core/ups")
# Reads are ``async``: a SQLite read takes well under a millisecond and waits for no lock (see
# persistence), and skipping the thread pool keeps latency flat under many concurrent clients. Job reads
# answer the stored, already rendered JSON. Writes and anything that may run an export stay in the pool.


@router.post("/export/jobs", tags=["Export jobs"], openapi_extra=docs.body(docs.JOB_BODY))
@router.post("/export/jobs/", include_in_schema=False)
def create_job(
    platform: PlatformDep,
    caller: CallerDep,
    body: BodyDep,
    x_profile_instance_id: Annotated[str | None, Header()] = None,
    x_request_id: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    job = platform.jobs.create(caller, body, x_profile_instance_id, x_request_id)
    platform.wake_worker()
    return json_response(job, 200, {"X-Location": f"/data/core/ups/export/jobs/{job['id']}"})


@router.get("/export/jobs", tags=["Export jobs"])
@router.get("/export/jobs/", include_in_schema=False)
async def list_jobs(
    platform: PlatformDep,
    caller: CallerDep,
    query: QueryDep,
    limit: Annotated[int | None, Query(ge=1)] = None,
    offset: Annotated[str | None, Query()] = None,
    status: Annotated[str | None, Query()] = None,
) -> Response:
    return json_bytes(platform.jobs.list_json(caller, query))


@router.get("/export/jobs/{job_id}", tags=["Export jobs"])
@router.get("/export/jobs/{job_id}/", include_in_schema=False)
async def get_job(job_id: str, platform: PlatformDep, caller: CallerDep) -> Response:
    return json_bytes(platform.jobs.get_json(caller, job_id))


# The spec's answer to a cancel (the ``cancel_answer=200`` variant; the seed answers 204, empty).
CANCEL_BODY = {"status": True, "message": "Export job has been marked for cancelling"}


@router.delete("/export/jobs/{job_id}", tags=["Export jobs"], status_code=204)
@router.delete("/export/jobs/{job_id}/", include_in_schema=False, status_code=204)
def cancel_job(job_id: str, platform: PlatformDep, caller: CallerDep) -> Response:
    platform.jobs.cancel(caller, job_id)
    if platform.contract.cancel_answer == "200":
        return json_response(CANCEL_BODY)
    return Response(status_code=204)


@router.get("/config/mergePolicies", tags=["Merge policies"])
def list_merge_policies(platform: PlatformDep, caller: CallerDep, query: QueryDep) -> JSONResponse:
    paging = platform.contract.merge_policy_paging
    return json_response(platform.profiles.list_merge_policies(caller, query, paging=paging))


@router.get("/config/mergePolicies/{policy_id}", tags=["Merge policies"])
def get_merge_policy(policy_id: str, platform: PlatformDep, caller: CallerDep) -> JSONResponse:
    return json_response(platform.profiles.get_merge_policy(caller, policy_id))


@router.get("/segment/definitions", tags=["Segment definitions"])
def list_segment_definitions(platform: PlatformDep, caller: CallerDep, query: QueryDep) -> JSONResponse:
    return json_response(platform.profiles.list_segment_definitions(caller, query))


@router.get("/segment/definitions/{segment_id}", tags=["Segment definitions"])
def get_segment_definition(segment_id: str, platform: PlatformDep, caller: CallerDep) -> JSONResponse:
    return json_response(platform.profiles.get_segment_definition(caller, segment_id))
