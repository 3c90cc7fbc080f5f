"""The shared fixtures work both ways in: in-process and over a real socket."""

from __future__ import annotations

from typing import Any

import httpx

DATASET = {
    "name": "Profile Data Export",
    "schemaRef": {
        "id": "https://ns.adobe.com/xdm/context/profile__union",
        "contentType": "application/vnd.adobe.xed+json;version=1",
    },
    "fileDescription": {"persisted": True, "containerFormat": "parquet", "format": "parquet"},
    "aspect": "production",
}


def test_in_process_client_creates_and_lists_a_dataset(platform_http: httpx.Client) -> None:
    created = platform_http.post("/data/foundation/catalog/dataSets", json=DATASET)
    assert created.status_code == 201
    dataset_id = created.json()[0].rsplit("/", 1)[-1]
    listed = platform_http.get("/data/foundation/catalog/dataSets").json()
    assert list(listed) == [dataset_id]


def test_server_fixture_is_reset_between_tests_first(platform_server: Any) -> None:
    headers = platform_server.headers("prod")
    created = httpx.post(f"{platform_server}/data/foundation/catalog/dataSets", json=DATASET, headers=headers)
    assert created.status_code == 201


def test_server_fixture_is_reset_between_tests_second(platform_server: Any) -> None:
    listed = httpx.get(
        f"{platform_server}/data/foundation/catalog/dataSets", headers=platform_server.headers()
    )
    assert listed.status_code == 200
    assert listed.json() == {}
