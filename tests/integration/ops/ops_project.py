"""Helpers: a project on the local platform, and platform resources made outside aep-exports."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aep_exports.cli.wiring import load_declared, local_data_dir, open_client
from aep_exports.client import PlatformClient
from aep_exports.config.settings import load_settings
from aep_exports.platform.credentials import DEV_ORG_ID

SANDBOX = "dev"
MERGE_POLICY = "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2"
SEGMENT = "4edc8488-2c35-4f6d-b4c6-9075c68d2df4"
MISSING_POLICY = "00000000-0000-4000-8000-000000000000"

EXPORTS = textwrap.dedent(f"""\
    datasets:
      target:
        name: Ops test target
        description: written by the ops integration tests
        tags:
          team: [ops]
    exports:
      daily:
        dataset: target
        schedule: "0 3 * * *"
        incremental: true
        fields: [identities.id, personalEmail.address]
        mergePolicy: {{id: {MERGE_POLICY}}}
        filter:
          segments:
            - segmentId: {SEGMENT}
              segmentNs: AAM
      broken:
        dataset: target
        schedule: manual
        mergePolicy: {{id: {MISSING_POLICY}}}
    """)


def write_project(root: Path, platform: str = "local", exports: str = EXPORTS) -> Path:
    """A project directory: settings for ``platform`` (sandbox dev) and one declarations file."""
    (root / "exports").mkdir(parents=True, exist_ok=True)
    (root / "aep-exports.yaml").write_text(f"platform: {platform}\nsandbox: {SANDBOX}\n")
    (root / "exports" / "main.yaml").write_text(exports)
    return root


@contextmanager
def embedded_client(project: Path, **app_options: Any) -> Iterator[PlatformClient]:
    """A client on the project's embedded platform (jobs end at once), closed on exit."""
    from aep_exports.platform.app import create_app

    settings = load_settings(project, {})
    data_dir = local_data_dir(settings)
    data_dir.mkdir(parents=True, exist_ok=True)
    app_options.setdefault("job_duration_s", 0)
    app = create_app(data_dir, in_process=True, **app_options)
    try:
        with open_client(settings, app=app) as client:
            yield client
    finally:
        app.platform.close()


def seed_embedded(project: Path, profiles: int = 60) -> None:
    """Seed the embedded platform's profile store for the project's sandbox."""
    from aep_exports.platform.app import create_app

    data_dir = local_data_dir(load_settings(project, {}))
    data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(data_dir, in_process=True)
    try:
        app.platform.seed(DEV_ORG_ID, SANDBOX, profiles, 7)
    finally:
        app.platform.close()


def declared_bodies(project: Path) -> tuple[dict[str, Any], Any]:
    """The declared POST body of dataset ``target`` and the body builder of each export."""
    _, desired = load_declared(load_settings(project, {}))
    return desired.datasets["target"].body, {k: e.build_body for k, e in desired.exports.items()}


def make_outside(
    client: PlatformClient,
    project: Path,
    *,
    export: str = "daily",
    dataset_changes: dict[str, Any] | None = None,
    job_changes: dict[str, Any] | None = None,
) -> tuple[str, int]:
    """Create the declared dataset and one run of ``export`` directly (as another tool would)."""
    dataset_body, builders = declared_bodies(project)
    dataset_id = client.create_dataset({**dataset_body, **(dataset_changes or {})})
    job = client.create_export_job({**builders[export](dataset_id, None), **(job_changes or {})})
    for _ in range(50):
        if client.get_export_job(job.id).is_finished:
            break
    return dataset_id, job.id


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
