"""``platform serve`` takes the contract variants as flags and as a file; bad ones are usage errors."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def test_serve_takes_variants_from_flags_over_a_file(tmp_path: Path) -> None:
    contract = tmp_path / "contract.yaml"
    contract.write_text("cancelled_job: failed\nbatches: object\n")
    command = [
        sys.executable,
        "-m",
        "aep_exports",
        "platform",
        "serve",
        "--data",
        str(tmp_path / "data"),
        "--port",
        "0",
        "--contract",
        str(contract),
        "--cancelled-job",
        "gone",
        "--merge-policy-paging",
        "page",
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
        lines = [process.stdout.readline().rstrip() for _ in range(8)]
        url = lines[0].rsplit(" ", 1)[-1]
        assert any(line.strip().startswith("contract") and "gone" in line for line in lines), lines
        for _ in range(200):
            try:
                chosen = httpx.get(f"{url}/local/contract").json()
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        assert (chosen["cancelled_job"], chosen["batches"], chosen["merge_policy_paging"]) == (
            "gone",
            "object",
            "page",
        )
        assert chosen["request_id"] == "generated"  # the rest at their defaults
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("cancelled_job: vanished\n", "cancelled_job must be one of"),
        ("colour: blue\n", "unknown contract variant"),
    ],
)
def test_serve_refuses_a_bad_contract_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, problem: str
) -> None:
    from aep_exports.cli.main import main

    contract = tmp_path / "contract.yaml"
    contract.write_text(content)
    with pytest.raises(SystemExit) as exited:
        main(["platform", "serve", "--data", str(tmp_path), "--contract", str(contract)])
    assert exited.value.code == 64
    err = capsys.readouterr().err
    assert problem in err and str(contract) in err and "Traceback" not in err
