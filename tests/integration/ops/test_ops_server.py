"""import, status and download through a real uvicorn server on 127.0.0.1 (platform: URL, env credentials)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from ops_project import SANDBOX, downloaded_files, make_outside, platform_files, write_project

from aep_exports.cli.main import cli
from aep_exports.cli.wiring import open_client
from aep_exports.config.settings import load_settings
from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_ORG_ID


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--project", str(project), *args])


def test_import_then_download_over_http(
    platform_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "AEP_CLIENT_ID": DEV_CLIENT_ID,
        "AEP_CLIENT_SECRET": DEV_CLIENT_SECRET,
        "AEP_ORG_ID": DEV_ORG_ID,
        "AEP_IMS_URL": platform_server.url,
    }.items():
        monkeypatch.setenv(name, value)
    project = write_project(tmp_path / "project", platform=platform_server.url)
    httpx.post(f"{platform_server}/local/seed", json={"sandbox": SANDBOX, "profiles": 60}, timeout=60)
    httpx.put(f"{platform_server}/local/settings", json={"rows_per_file": 5}, timeout=10).raise_for_status()
    with open_client(load_settings(project, {})) as client:
        dataset_id, job_id = make_outside(client, project)

    assert run(project, "import", "dataset", "target", dataset_id).exit_code == 0
    adopted = run(project, "import", "export", "daily", str(job_id))
    assert adopted.exit_code == 0, adopted.output + repr(adopted.exception)
    status = json.loads(run(project, "status", "--format", "json", "--refresh").output)
    daily = next(e for e in status["exports"] if e["key"] == "daily")
    assert daily["last_run"]["status"] == "SUCCEEDED" and daily["dataset_id"] == dataset_id

    out = tmp_path / "files"
    fetched = run(project, "download", "daily", "-o", str(out))
    assert fetched.exit_code == 0, fetched.output + repr(fetched.exception)
    expected = platform_files(platform_server.data_dir, job_id)
    assert len(expected) > 1
    assert downloaded_files(out) == expected
