"""The client against every contract variant, in-process and over real HTTP: listing, get, cancel,
merge-policy paging over several pages, job identity; and records it cannot parse are skipped, reported.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from aep_exports.client.records import UnreadableRecordError
from aep_exports.errors import BadRequestError, NotFoundError
from aep_exports.platform.contract import VARIANTS, Contract
from aep_exports.platform.credentials import DEV_ORG_ID
from aep_exports.reconcile.matching import choose_jobs, job_matches
from aep_exports.state.model import Intent

POLICIES_ROUTE = "GET /data/core/ups/config/mergePolicies"
SEGMENTS = [
    {"segmentId": "4edc8488-2c35-4f6d-b4c6-9075c68d2df4", "segmentNs": "AAM", "status": ["realized"]},
    {"segmentId": "1rfe8422-334d-12f4-3sd4-12cf6g990g51"},
]
# The defaults, then every other value of every variant on its own.
CONTRACTS = [
    Contract(),
    *(Contract(**{variant.name: value}) for variant in VARIANTS for value in variant.values[1:]),
]


def _id(contract: Contract) -> str:
    return ",".join(f"{k}={v}" for k, v in contract.differences().items()) or "defaults"


def load_policies(target: Any, count: int) -> list[str]:
    from aep_exports.platform.store import ProfileStore

    records = [
        {
            "type": "mergePolicy",
            "id": f"extra-{i}",
            "name": f"Extra {i}",
            "attributeMerge": {"type": "timestampOrdered"},
        }
        for i in range(count)
    ]
    with ProfileStore.open(target.platform.data_dir, DEV_ORG_ID, "prod") as store:
        store.load_records(records)
        return [str(p["id"]) for p in store.list_merge_policies()]


@pytest.mark.parametrize("contract", CONTRACTS, ids=_id)
def test_client_reads_every_variant(target: Any, contract: Contract) -> None:
    target.local.seed(profiles=20, seed=2)
    policy_ids = load_policies(target, 5)
    assert target.local.set_contract(**contract.as_dict()) == contract.as_dict()
    target.local.configure(job_duration_s=3600)
    client = target.connect()
    dataset_id = client.create_dataset(target.dataset_body())
    per_batch = {
        "filter": {"segments": SEGMENTS},
        "destination": {"datasetId": dataset_id, "segmentPerBatch": True},
        "schema": {"name": "_xdm.context.profile"},
    }
    single = target.job_body(dataset_id, mergePolicy={"id": policy_ids[0], "version": 1.0})
    sent = "0f" * 16
    created = client.create_export_job(per_batch, request_id=sent)
    assert created.sent_request_id == sent and created.echoes(sent) is (contract.request_id == "echo")
    kept = client.create_export_job(single)
    doomed = client.create_export_job(single)
    client.cancel_export_job(doomed.id)  # 204 empty or 200 with a body: both accepted
    target.local.advance_clock(timedelta(hours=2))

    listed = {job.id: job for job in client.list_export_jobs()}
    assert set(listed) == {created.id, kept.id} | ({doomed.id} if contract.cancelled_job != "gone" else set())
    for job_id, body in ((created.id, per_batch), (kept.id, single)):
        for job in (listed[job_id], client.get_export_job(job_id)):
            assert job.succeeded and job.dataset_id == dataset_id
            assert job_matches(job, body) and not job_matches(job, {**body, "schema": {"name": "x"}})
    assert len(listed[created.id].destination.batches) == 2
    intent = Intent(id=sent, kind="run_export", resource="export", key="k", request_body=per_batch,
                    started_at=created.created_at, attempts=1)
    choice = choose_jobs(intent, listed.values(), {})
    assert choice.keep == listed[created.id] and not choice.extras and not choice.foreign
    assert choice.exact is (contract.request_id == "echo")
    if contract.cancelled_job == "gone":
        with pytest.raises(NotFoundError):
            client.get_export_job(doomed.id)
    else:
        cancelled = client.get_export_job(doomed.id)
        assert cancelled.is_finished and not cancelled.succeeded
        assert cancelled.status == ("CANCELLED" if contract.cancelled_job == "cancelled" else "FAILED")

    before = target.route_count(POLICIES_ROUTE)
    policies = client.call(lambda c: c.list_merge_policies(page_size=2))
    assert sorted(p.id for p in policies) == sorted(policy_ids)
    assert target.route_count(POLICIES_ROUTE) - before == -(-len(policy_ids) // 2)  # every page, once
    assert client.record_problems() == ()  # every documented shape is read in full


def test_local_admin_reads_and_switches_the_variants(target: Any) -> None:
    admin = target.local
    assert admin.contract() == Contract().as_dict()
    chosen = Contract(cancelled_job="gone", batches="object").as_dict()
    assert admin.set_contract(cancelled_job="gone", batches="object") == chosen == admin.contract()
    # Omitted variants go back to their default.
    assert admin.set_contract(request_id="echo") == Contract(request_id="echo").as_dict()
    for refused in ({"colour": "blue"}, {"cancelled_job": "deleted"}):
        with pytest.raises(BadRequestError) as info:
            admin.set_contract(**refused)
        assert info.value.status == 400 and "contract" in (info.value.detail or "")
    assert admin.contract() == Contract(request_id="echo").as_dict()  # a refused change changes nothing
    assert admin.set_contract() == Contract().as_dict() == admin.contract()


def _damage(target: Any, job_id: int, change: dict[str, Any]) -> None:
    """Change the answer the platform stored for one job (a record no variant produces)."""
    (wire,) = target.platform.db.query("SELECT wire FROM jobs WHERE id = ?", (job_id,))[0]
    target.platform.db.execute(
        "UPDATE jobs SET wire = ? WHERE id = ?", (json.dumps({**json.loads(wire), **change}), job_id)
    )


def test_records_the_client_cannot_parse_are_skipped_and_reported(target: Any) -> None:
    target.local.configure(job_duration_s=3600)
    client = target.connect()
    dataset_id = client.create_dataset(target.dataset_body())
    good, odd, broken = (client.create_export_job(target.job_body(dataset_id)).id for _ in range(3))
    _damage(target, odd, {"destination": "somewhere", "mergePolicy": {"id": "p", "version": "latest"}})
    _damage(target, broken, {"status": {"state": "running"}})

    listed = {job.id: job for job in client.list_export_jobs()}
    assert set(listed) == {good, odd}  # the listing still succeeds
    odd_job = listed[odd]
    assert odd_job.dataset_id is None and odd_job.merge_policy is not None  # read without the odd parts
    assert (odd_job.merge_policy.id, odd_job.merge_policy.version) == ("p", None)
    problems = client.record_problems(clear=True)
    skipped = [p for p in problems if p.skipped]
    assert [(p.kind, p.record_id) for p in skipped] == [("export job", str(broken))]
    assert "status" in skipped[0].problem and str(broken) in skipped[0].describe()
    assert {p.problem.split(":")[0] for p in problems if not p.skipped} == {
        "destination",
        "mergePolicy.version",
    }

    with pytest.raises(UnreadableRecordError) as unreadable:
        client.get_export_job(broken)
    assert unreadable.value.path.endswith(f"/{broken}") and unreadable.value.problems[-1].skipped
    bulk = client.get_export_jobs([good, broken])
    assert set(bulk) == {good}  # a refresh reads on: the unreadable job is left out, and reported
    assert any(p.record_id == str(broken) for p in client.record_problems())
