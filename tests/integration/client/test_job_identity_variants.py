"""Property: a job is recognised as its request's job from what the platform answers, in every variant,
and a request whose shown identity differs is not (hypothesis over request shapes, real platform).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aep_exports.platform.contract import Contract
from aep_exports.reconcile.matching import job_matches

STATUSES = ["realized", "existing", "exited"]
# Every value of each variant that shapes a job record.
SHAPES = [
    Contract(
        **dict(
            zip(("batches", "listed_segments", "merge_policy_echo", "dataset_id_key"), values, strict=True)
        )
    )
    for values in itertools.product(
        ("array", "object"), ("as-requested", "id-only"), ("as-requested", "resolved"), ("seed", "datasetId")
    )
]

segments = st.fixed_dictionaries(
    {
        "segmentId": st.sampled_from(
            ["4edc8488-2c35-4f6d-b4c6-9075c68d2df4", "1rfe8422-334d-12f4-3sd4-12cf6g990g51"]
        )
    },
    optional={
        "segmentNs": st.sampled_from(["ups", "UPS", "AAM"]),
        "status": st.lists(st.sampled_from(STATUSES), min_size=1, max_size=3, unique=True),
    },
)
bodies = st.fixed_dictionaries(
    {"schema": st.just({"name": "_xdm.context.profile"})},
    optional={
        "fields": st.sampled_from(["identities.id", "personalEmail.address,person"]),
        "mergePolicy": st.sampled_from(
            [
                {"id": "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2"},
                {"id": "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2", "version": 1.0},
            ]
        ),
        "filter": st.fixed_dictionaries(
            {},
            optional={
                "segments": st.lists(segments, min_size=1, max_size=3),
                "emptyProfiles": st.booleans(),
                "fromIngestTimestamp": st.just("2024-01-01T00:00:00Z"),
            },
        ),
        "segmentPerBatch": st.booleans(),
    },
)


def _mutations(body: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Changes to parts of ``body`` that its job's create/get answer shows (so they must not match)."""
    per_batch = bool(body["destination"].get("segmentPerBatch", False))
    changed = copy.deepcopy(body)
    changed["destination"]["segmentPerBatch"] = not per_batch
    yield "segmentPerBatch", changed
    changed = copy.deepcopy(body)
    changed["schema"] = {"name": "_xdm.context.experienceevent"}
    yield "schema", changed
    listed = body.get("filter", {}).get("segments") or []
    changed = copy.deepcopy(body)
    changed.setdefault("filter", {})["segments"] = [
        *listed,
        {"segmentId": "7f6e5d4c-3b2a-4190-8a7b-6c5d4e3f2a1b"},
    ]
    yield "one more segment", changed
    ids = [segment["segmentId"] for segment in listed]
    for index, segment in enumerate(listed):
        # Another entry of the same id may show less (as requested), and then pair with the change.
        if "status" in segment and ids.count(segment["segmentId"]) == 1:
            changed = copy.deepcopy(body)
            changed["filter"]["segments"][index]["status"] = [
                s for s in STATUSES if s not in segment["status"]
            ] or ["realized"]
            if set(changed["filter"]["segments"][index]["status"]) != set(segment["status"]):
                yield f"status of segment {index}", changed
    if "mergePolicy" in body:
        changed = copy.deepcopy(body)
        changed["mergePolicy"] = {"id": "0bf16e61-90e9-4204-b8fa-ad250360957b"}
        yield "merge policy id", changed


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    from aep_exports.client import ClientConfig, ClientCredentials, connect
    from aep_exports.platform.app import create_app
    from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_ORG_ID

    app = create_app(tmp_path_factory.mktemp("identity"), in_process=True, job_duration_s=3600)
    config = ClientConfig(
        base_url="http://local-platform",
        org_id=DEV_ORG_ID,
        sandbox="prod",
        credentials=ClientCredentials(DEV_CLIENT_ID, DEV_CLIENT_SECRET, "openid"),
        ims_url="http://local-platform",
    )
    with connect(config, app=app) as client:
        client.local_admin.seed(profiles=10, seed=1)
        dataset_id = client.create_dataset(
            {
                "name": "identity",
                "schemaRef": {"id": "https://ns.adobe.com/xdm/context/profile__union"},
                "fileDescription": {"persisted": True, "format": "parquet"},
            }
        )
        yield client, dataset_id
    app.platform.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=bodies)
def test_identity_holds_in_every_variant(platform: tuple[Any, str], shape: dict[str, Any]) -> None:
    client, dataset_id = platform
    admin = client.local_admin
    body = {k: v for k, v in shape.items() if k != "segmentPerBatch"}
    body["destination"] = {"datasetId": dataset_id}
    if "segmentPerBatch" in shape:
        body["destination"]["segmentPerBatch"] = shape["segmentPerBatch"]
    admin.set_contract()
    job_id = client.create_export_job(body).id
    for contract in SHAPES:
        admin.set_contract(**contract.as_dict())
        got = client.get_export_job(job_id)
        (listed,) = [j for j in client.list_export_jobs(limit=1)]
        assert listed.id == job_id
        assert job_matches(got, body), (contract.differences(), got.to_wire())
        assert job_matches(listed, body), (contract.differences(), listed.to_wire())
        for what, other in _mutations(body):
            assert not job_matches(got, other), (what, contract.differences(), got.to_wire())
    assert client.record_problems() == ()
