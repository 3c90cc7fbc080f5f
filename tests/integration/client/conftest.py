"""The client against the real local platform: in-process (ASGI) and through the uvicorn server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import httpx
import pytest

from aep_exports.client import ClientConfig, ClientCredentials, PlatformClient, connect
from aep_exports.client.local_admin import LocalAdmin
from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_ORG_ID

IN_PROCESS_URL = "http://local-platform"
PROFILE_UNION = "https://ns.adobe.com/xdm/context/profile__union"


def dataset_body(name: str = "Profile Data Export", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "schemaRef": {"id": PROFILE_UNION, "contentType": "application/vnd.adobe.xed+json;version=1"},
        "fileDescription": {"persisted": True, "containerFormat": "parquet", "format": "parquet"},
        "aspect": "production",
        **extra,
    }


def job_body(dataset_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "fields": "identities.id,personalEmail.address",
        "destination": {"datasetId": dataset_id, "segmentPerBatch": False},
        "schema": {"name": "_xdm.context.profile"},
        **extra,
    }


@dataclass
class Target:
    """One way into the platform: ``kind`` is ``asgi`` or ``server``."""

    kind: str
    base_url: str
    app: Any
    http: httpx.Client  # plain HTTP to the platform, for what the client never sends (IMS with other keys)
    platform: Any
    clients: list[PlatformClient] = field(default_factory=list)

    def connect(self, **overrides: Any) -> PlatformClient:
        settings: dict[str, Any] = {
            "parallelism": 8,
            "backoff_base": 0.01,
            "backoff_cap": 0.2,
            "deadline": 60.0,
        }
        settings.update(overrides)
        config = ClientConfig(
            base_url=self.base_url,
            org_id=DEV_ORG_ID,
            sandbox=settings.pop("sandbox", "prod"),
            credentials=settings.pop(
                "credentials", ClientCredentials(DEV_CLIENT_ID, DEV_CLIENT_SECRET, "openid")
            ),
            ims_url=self.base_url,
            **settings,
        )
        client = connect(config, app=self.app)
        self.clients.append(client)
        return client

    dataset_body = staticmethod(dataset_body)
    job_body = staticmethod(job_body)

    @cached_property
    def local(self) -> LocalAdmin:
        """The platform's administration routes (clock, seed, faults, settings, stats)."""
        return self.connect().local_admin

    def faults(self, **settings: Any) -> None:
        self.local.set_faults(**settings)

    def seed_jobs(self, dataset_id: str, count: int, sandbox: str = "prod") -> list[int]:
        """Create jobs straight in the backend: setup for listing tests, far faster than ``count`` POSTs."""
        from aep_exports.platform.backend.scope import Caller

        caller = Caller(client_id=DEV_CLIENT_ID, org_id=DEV_ORG_ID, sandbox=sandbox)
        return [int(self.platform.jobs.create(caller, job_body(dataset_id))["id"]) for _ in range(count)]

    def stats(self) -> dict[str, Any]:
        return self.local.stats()

    def route_count(self, route: str) -> int:
        return sum(self.stats()["routes"].get(route, {}).values())

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.http.close()


@pytest.fixture(params=["asgi", "server"])
def target(request: pytest.FixtureRequest, sync_asgi_transport: Callable[[Any], Any]) -> Iterator[Target]:
    """The platform, both ways in; every test using it runs twice."""
    if request.param == "asgi":
        app = request.getfixturevalue("platform_app")
        admin = httpx.Client(transport=sync_asgi_transport(app), base_url=IN_PROCESS_URL, timeout=30)
        tgt = Target("asgi", IN_PROCESS_URL, app, admin, app.platform)
    else:
        server = request.getfixturevalue("platform_server")
        url = str(server)
        tgt = Target("server", url, None, httpx.Client(base_url=url, timeout=30), server.platform)
    yield tgt
    tgt.close()


@pytest.fixture
def client(target: Target) -> PlatformClient:
    return target.connect()
