"""Fixtures of the platform's own integration tests: the seed's request bodies and API clients."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

CATALOG = "/data/foundation/catalog"
JOBS = "/data/core/ups/export/jobs"
EXPORT = "/data/foundation/export"

# The seed's requests, exactly as written (profile-export-api.md §1 and §2).
SEED_DATASET: dict[str, Any] = {
    "name": "Profile Data Export",
    "schemaRef": {
        "id": "https://ns.adobe.com/xdm/context/profile__union",
        "contentType": "application/vnd.adobe.xed+json;version=1",
    },
    "fileDescription": {"persisted": True, "containerFormat": "parquet", "format": "parquet"},
    "aspect": "production",
}
SEED_JOB: dict[str, Any] = {
    "fields": "identities.id,personalEmail.address",
    "mergePolicy": {"id": "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2", "version": 1},
    "filter": {
        "segments": [
            {"segmentId": "4edc8488-2c35-4f6d-b4c6-9075c68d2df4", "segmentNs": "AAM", "status": ["realized"]},
            {"segmentId": "1rfe8422-334d-12f4-3sd4-12cf6g990g51", "segmentNs": "UPS", "status": ["exited"]},
        ],
        "segmentQualificationTime": {"startTime": "2019-09-01T00:00:00Z", "endTime": "2019-09-02T00:00:00Z"},
        "fromIngestTimestamp": "2018-10-25T13:22:04-07:00",
        "emptyProfiles": False,
    },
    "additionalFields": {
        "eventList": {
            "fields": "environment.browserDetails.name,environment.browserDetails.version",
            "filter": {"fromIngestTimestamp": "2018-10-25T13:22:04-07:00"},
        }
    },
    "destination": {"datasetId": "5b020a27e7040801dedba61b", "segmentPerBatch": True},
    "schema": {"name": "_xdm.context.profile"},
}


def seed_job(dataset_id: str, **changes: Any) -> dict[str, Any]:
    """The seed's export job body, aimed at ``dataset_id`` (top-level keys replaced by ``changes``)."""
    body = copy.deepcopy(SEED_JOB)
    body["destination"]["datasetId"] = dataset_id
    body.update(changes)
    return body


def simple_job(dataset_id: str, **changes: Any) -> dict[str, Any]:
    """A minimal valid export job body."""
    body: dict[str, Any] = {
        "destination": {"datasetId": dataset_id},
        "schema": {"name": "_xdm.context.profile"},
    }
    body.update(changes)
    return body


class Bodies:
    """Request bodies: ``dataset`` (the seed's), ``seed_job(dataset_id)``, ``simple_job(dataset_id)``."""

    dataset = SEED_DATASET
    seed_job = staticmethod(seed_job)
    simple_job = staticmethod(simple_job)


@pytest.fixture
def bodies() -> type[Bodies]:
    """The seed's request bodies (see :class:`Bodies`)."""
    return Bodies


SPECS = Path(__file__).parent / "specs"  # verbatim copies of the public specs (see SOURCES.txt)


def _load_spec(name: str) -> dict[str, Any]:
    import yaml

    text = (SPECS / name).read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document: dict[str, Any] = yaml.load(text, Loader=loader)
    return document


def _patched_segmentation(document: dict[str, Any]) -> dict[str, Any]:
    """The two documented places where the reference (seed) wins over segmentation.yaml."""
    job = document["components"]["schemas"]["ExportJobResponse"]["properties"]
    # destination.batches is an array of per-segment batches in every example; the spec says "object".
    batches = job["destination"]["properties"]["batches"]
    job["destination"]["properties"]["batches"] = {"type": "array", "items": batches}
    # A cancelled job reads back CANCELLED (profile-export-api.md, "choice for the local platform").
    job["status"]["enum"] = [*job["status"]["enum"], "CANCELLED"]
    return document


@pytest.fixture(scope="session")
def spec_validate() -> Callable[[str, str, Any], None]:
    """``spec_validate("segmentation.yaml", "ExportJobResponse", instance)`` raises when it does not conform.

    ``$ref``s resolve inside the spec's own ``components``; OpenAPI-only keywords are ignored. The export
    job schema carries the two documented places where the seed wins (the default contract variants).
    """
    return _validator(patched=True)


@pytest.fixture(scope="session")
def spec_validate_verbatim() -> Callable[[str, str, Any], None]:
    """:func:`spec_validate` with the specs exactly as published (for the variants that follow them)."""
    return _validator(patched=False)


def _validator(*, patched: bool) -> Callable[[str, str, Any], None]:
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    documents = {
        name: _load_spec(name)
        for name in ("segmentation.yaml", "catalog.yaml", "data-access.yaml", "profile.yaml")
    }
    if patched:
        documents["segmentation.yaml"] = _patched_segmentation(documents["segmentation.yaml"])
    registry: Registry[Any] = Registry().with_resources(
        (f"urn:spec:{name}", Resource.from_contents(doc, default_specification=DRAFT7))
        for name, doc in documents.items()
    )

    def validate(spec: str, schema: str, instance: Any) -> None:
        wrapper = {"$ref": f"urn:spec:{spec}#/components/schemas/{schema}"}
        jsonschema.Draft7Validator(wrapper, registry=registry).validate(instance)

    return validate


@pytest.fixture(params=["in-process", "server"])
def api(
    request: pytest.FixtureRequest, sync_asgi_transport: Callable[[Any], httpx.BaseTransport]
) -> Iterator[httpx.Client]:
    """A sync client with dev headers for sandbox ``prod``, in-process and over a real socket.

    ``client.platform`` is the backend behind it (to set faults, move the clock, insert quickly).
    """
    if request.param == "in-process":
        app = request.getfixturevalue("platform_app")
        platform = app.platform
        client = httpx.Client(transport=sync_asgi_transport(app), base_url="http://local-platform")
    else:
        server = request.getfixturevalue("platform_server")
        platform = server.platform
        client = httpx.Client(base_url=server.url, timeout=30)
    client.headers.update(platform.dev_headers("prod"))
    client.platform = platform  # type: ignore[attr-defined]
    with client:
        yield client


@pytest.fixture
def load_policies(api: httpx.Client) -> Callable[[int], list[str]]:
    """``load_policies(n)``: n more timestampOrdered merge policies in the api's sandbox; answers all ids."""
    from aep_exports.platform.credentials import DEV_ORG_ID
    from aep_exports.platform.store import ProfileStore

    def load(count: int) -> list[str]:
        records = [
            {
                "type": "mergePolicy",
                "id": f"policy-{i:02d}",
                "name": f"Policy {i:02d}",
                "attributeMerge": {"type": "timestampOrdered"},
            }
            for i in range(count)
        ]
        with ProfileStore.open(api.platform.data_dir, DEV_ORG_ID, "prod") as store:  # type: ignore[attr-defined]
            store.load_records(records)
            return [str(p["id"]) for p in store.list_merge_policies()]

    return load


def create_dataset(client: httpx.Client, **changes: Any) -> str:
    """POST the seed's dataset (with ``changes``); answers its id."""
    response = client.post(f"{CATALOG}/dataSets", json={**SEED_DATASET, **changes})
    assert response.status_code == 201, response.text
    return str(response.json()[0]).rsplit("/", 1)[-1]


@pytest.fixture
def make_dataset() -> Callable[..., str]:
    """``make_dataset(client, **changes)`` → the id of a new export-ready dataset."""
    return create_dataset
