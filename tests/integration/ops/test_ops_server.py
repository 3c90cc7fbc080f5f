"""import, status and download through a real uvicorn server on 127.0.0.1 (platform: URL, env credentials)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support.declarations import OPS_EXPORTS
from support.outside import downloaded_files, make_outside, platform_files
from support.projects import ProjectFactory


def test_import_then_download_over_http(
    platform_server: Any, tmp_path: Path, make_project: ProjectFactory
) -> None:
    project = make_project(OPS_EXPORTS, platform=platform_server.url, profiles=60)
    with project.client() as client:
        client.local_admin.configure(rows_per_file=5)
        dataset_id, job_id = make_outside(client, project)

    assert project.cli("import", "dataset", "target", dataset_id).exit_code == 0
    adopted = project.cli("import", "export", "daily", str(job_id))
    assert adopted.exit_code == 0, adopted.output + repr(adopted.exception)
    status = json.loads(project.cli("status", "--format", "json", "--refresh").output)
    daily = next(e for e in status["exports"] if e["key"] == "daily")
    assert daily["last_run"]["status"] == "SUCCEEDED" and daily["dataset_id"] == dataset_id

    out = tmp_path / "files"
    fetched = project.cli("download", "daily", "-o", str(out))
    assert fetched.exit_code == 0, fetched.output + repr(fetched.exception)
    expected = platform_files(platform_server.data_dir, job_id)
    assert len(expected) > 1
    assert downloaded_files(out) == expected
