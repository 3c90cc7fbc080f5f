"""``/local/stats`` counts per route template and status; ``/local/reset`` forgets resources, keeps tokens."""

from __future__ import annotations

from typing import Any

import httpx


def test_stats_per_route_template_and_status(api: httpx.Client, make_dataset: Any) -> None:
    dataset_id = make_dataset(api)
    api.get(f"/data/foundation/catalog/dataSets/{dataset_id}")
    api.get("/data/foundation/catalog/dataSets/000000000000000000000000")
    stats = api.get("/local/stats").json()
    routes = stats["routes"]
    assert routes["POST /data/foundation/catalog/dataSets"] == {"201": 1}
    assert routes["GET /data/foundation/catalog/dataSets/{dataset_id}"] == {"200": 1, "404": 1}
    assert stats["byStatus"]["404"] == 1 and stats["total"] >= 3
    assert api.delete("/local/stats").json()["total"] == 0


def test_reset_forgets_resources_but_keeps_tokens(api: httpx.Client, make_dataset: Any, bodies: Any) -> None:
    dataset_id = make_dataset(api)
    api.post("/data/core/ups/export/jobs", json=bodies.simple_job(dataset_id))
    api.put("/local/faults", json={"latency_ms": 1})
    api.post("/local/clock", json={"advance": "1h"})
    assert api.post("/local/reset").json() == {"reset": True}
    assert api.get("/data/foundation/catalog/dataSets").json() == {}
    assert api.get("/data/core/ups/export/jobs").json()["records"] == []
    assert api.get("/local/faults").json()["latency_ms"] == 0
    assert abs(api.get("/local/clock").json()["offsetMs"]) < 1000
    settings = api.put("/local/settings", json={"job_duration_s": 5}).json()
    assert settings["job_duration_s"] == 5
    assert api.put("/local/settings", json={"speed": 2}).status_code == 400
