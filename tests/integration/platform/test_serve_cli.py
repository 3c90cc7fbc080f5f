"""``aep-exports platform serve`` runs a real server that prints its URL and development credentials."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_ORG_ID


def test_serve_prints_url_and_credentials_and_answers(tmp_path: Path) -> None:
    data = tmp_path / "data"
    command = [
        sys.executable,
        "-m",
        "aep_exports",
        "--project",
        str(tmp_path),
        "platform",
        "serve",
        "--port",
        "0",
        "--job-duration",
        "0",
        "--latency-ms",
        "1",
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        lines = []
        deadline = time.monotonic() + 30
        while len(lines) < 7 and time.monotonic() < deadline:
            lines.append(process.stdout.readline().rstrip())
        output = "\n".join(lines)
        url = lines[0].rsplit(" ", 1)[-1]
        assert url.startswith("http://127.0.0.1:"), output
        for expected in (DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_ORG_ID, f"{url}/ims/token/v3"):
            assert expected in output
        assert str(tmp_path / ".aep-exports" / "local-platform") in output or str(data) in output
        for _ in range(100):
            try:
                token = httpx.post(
                    f"{url}/ims/token/v3",
                    data={"client_id": DEV_CLIENT_ID, "client_secret": DEV_CLIENT_SECRET},
                )
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        assert token.status_code == 200
        assert httpx.get(f"{url}/local/faults").json()["latency_ms"] == 1
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert (tmp_path / ".aep-exports" / "local-platform" / "platform.db").exists()


def test_serve_refuses_bad_fault_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from aep_exports.cli.main import main

    with pytest.raises(SystemExit) as exited:
        main(["platform", "serve", "--data", str(tmp_path), "--error-rate", "3"])
    assert exited.value.code == 64
    err = capsys.readouterr().err
    assert "error_rate" in err and "Traceback" not in err
