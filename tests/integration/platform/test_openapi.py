"""The platform serves its own OpenAPI document, and a short schemathesis run finds no 5xx."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings


def test_openapi_document_lists_the_api(platform_server: Any) -> None:
    document = httpx.get(f"{platform_server}/openapi.json").json()
    paths = set(document["paths"])
    for expected in (
        "/ims/token/v3",
        "/data/foundation/catalog/dataSets",
        "/data/foundation/catalog/dataSets/{dataset_id}",
        "/data/foundation/catalog/batches",
        "/data/core/ups/export/jobs",
        "/data/core/ups/export/jobs/{job_id}",
        "/data/foundation/export/batches/{batch_id}/files",
        "/data/foundation/export/files/{file_id}",
        "/data/core/ups/config/mergePolicies",
        "/data/core/ups/segment/definitions",
        "/local/clock",
        "/local/faults",
        "/local/stats",
    ):
        assert expected in paths, expected


@pytest.mark.slow
def test_schemathesis_finds_no_server_error(platform_server: Any, bodies: Any, make_dataset: Any) -> None:
    import schemathesis

    schema = schemathesis.openapi.from_url(f"{platform_server}/openapi.json")
    headers = platform_server.headers()
    with httpx.Client(base_url=platform_server.url, headers=headers) as client:
        make_dataset(client)  # something to find
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    skipped = {
        "/local/reset",
        "/local/seed",
        "/local/faults",
        "/local/clock",
        "/local/settings",
        "/local/stats",
    }

    def run(operation: Any) -> None:
        @settings(
            max_examples=3,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            response = case.call(base_url=platform_server.url, headers=headers, timeout=30)
            if response.status_code >= 500:
                failures.append(
                    f"{operation.method.upper()} {operation.path}: {response.status_code} "
                    f"{response.text[:200]}"
                )

        check()

    for operation in operations:
        if operation.path not in skipped:
            run(operation)
    assert operations and not failures, failures
    by_status = httpx.get(f"{platform_server}/local/stats").json()["byStatus"]
    assert by_status.get("200", 0) > 10 and by_status.get("400", 0) > 0  # calls got through the gateway
