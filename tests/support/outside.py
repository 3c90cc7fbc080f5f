"""Platform resources made outside aep-exports (as another tool would), and files to compare."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aep_exports.client import PlatformClient
from support.projects import Project


def make_outside(
    client: PlatformClient,
    project: Project,
    *,
    export: str = "daily",
    dataset_changes: dict[str, Any] | None = None,
    job_changes: dict[str, Any] | None = None,
) -> tuple[str, int]:
    """Create the declared dataset ``target`` and one run of ``export`` directly on the platform."""
    from aep_exports.cli.wiring import load_declared

    _, desired = load_declared(project.settings)
    dataset_body = desired.datasets["target"].body
    dataset_id = client.create_dataset({**dataset_body, **(dataset_changes or {})})
    body = desired.exports[export].build_body(dataset_id, None)
    job = client.create_export_job({**body, **(job_changes or {})})
    for _ in range(50):
        if client.get_export_job(job.id).is_finished:
            break
    return dataset_id, job.id


def start_outside_job(client: PlatformClient, project: Project, *, export: str = "daily") -> int:
    """Start a run of ``export`` by hand, into the dataset state manages for it (as a colleague would)."""
    from aep_exports.cli.wiring import load_declared

    _, desired = load_declared(project.settings)
    want = desired.exports[export]
    dataset_id = project.state().datasets[want.dataset_key or ""].id
    return client.create_export_job(want.build_body(dataset_id, None)).id


def platform_files(data_dir: Path, job_id: int) -> list[bytes]:
    """The bytes of every parquet file the platform wrote for ``job_id``, sorted."""
    found = sorted(
        p for p in (data_dir / "exports").rglob("*.parquet") if p.parent.parent.name == str(job_id)
    )
    assert found, f"the platform wrote no file for job {job_id}"
    return sorted(p.read_bytes() for p in found)


def downloaded_files(directory: Path) -> list[bytes]:
    """The bytes of every parquet file under ``directory``, sorted."""
    return sorted(p.read_bytes() for p in directory.rglob("*.parquet"))
