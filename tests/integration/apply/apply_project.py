"""Helpers: projects talking to a real platform server, the CLI as a subprocess, platform inspection."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_ORG_ID

MERGE_POLICY = "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2"
SEGMENT = "4edc8488-2c35-4f6d-b4c6-9075c68d2df4"
SANDBOX = "dev"


# The seeded store's other segments, and the status filters that tell exports apart.
OTHER_SEGMENTS = [
    ("1rfe8422-334d-12f4-3sd4-12cf6g990g51", "ups"),
    ("9a1c3f0e-7b52-4d1e-8c7a-2f6b5e4d3c21", "ups"),
    ("c3d2e1f0-1a2b-4c3d-9e8f-7a6b5c4d3e2f", "ups"),
    ("7f6e5d4c-3b2a-4190-8a7b-6c5d4e3f2a1b", "AAM"),
]
STATUS_SETS = [
    None,
    ["realized"],
    ["existing"],
    ["exited"],
    ["realized", "existing"],
    ["realized", "exited"],
    ["existing", "exited"],
    ["realized", "existing", "exited"],
]


def _segment_lines(index: int) -> list[str]:
    """Export ``index``'s segments: distinct for every index below 7 * 8**4 (always the seed's AAM segment).

    Job records show segments but never ``fields`` (the seed's samples), so exports that differed only in
    their fields would be indistinguishable twins on the platform. The first segment's status is always
    written out: an omitted status means realized + existing, which would make two exports twins.
    """
    rest, first = divmod(index, len(STATUS_SETS) - 1)
    digits = [first + 1]
    for _ in OTHER_SEGMENTS:
        rest, digit = divmod(rest, len(STATUS_SETS))
        digits.append(digit)
    entries = [(SEGMENT, "AAM", STATUS_SETS[digits[0]])]
    entries += [
        (seg, ns, STATUS_SETS[d]) for (seg, ns), d in zip(OTHER_SEGMENTS, digits[1:], strict=True) if d
    ]
    lines = []
    for segment, namespace, status in entries:
        lines += [f"        - segmentId: {segment}", f"          segmentNs: {namespace}"]
        if status is not None:
            lines.append(f"          status: [{', '.join(status)}]")
    return lines


def exports_yaml(
    count: int, *, schedule: str = "0 3 * * *", timeout: str | None = None, incremental: bool = True
) -> str:
    """One dataset and ``count`` incremental exports into it (each with its own fields and segments)."""
    lines = ["datasets:", "  target:", "    name: Apply test target", "exports:"]
    for index in range(count):
        lines += [
            f"  export{index:03d}:",
            "    dataset: target",
            f'    schedule: "{schedule}"',
            f"    incremental: {'true' if incremental else 'false'}",
            f"    fields: [identities.id, attr{index}]",
            f"    mergePolicy: {{id: {MERGE_POLICY}}}",
            "    filter:",
            "      segments:",
            *_segment_lines(index),
        ]
        if timeout:
            lines.append(f"    timeout: {timeout}")
    return "\n".join(lines) + "\n"


def write_project(root: Path, platform: str, exports: str) -> Path:
    (root / "exports").mkdir(parents=True, exist_ok=True)
    (root / "aep-exports.yaml").write_text(f"platform: {platform}\nsandbox: {SANDBOX}\n")
    (root / "exports" / "main.yaml").write_text(exports)
    return root


def server_env(url: str) -> dict[str, str]:
    """Environment for the CLI to talk to the platform server at ``url`` with the dev credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AEP_", "GITHUB_STEP"))}
    env.update(
        {
            "AEP_CLIENT_ID": DEV_CLIENT_ID,
            "AEP_CLIENT_SECRET": DEV_CLIENT_SECRET,
            "AEP_ORG_ID": DEV_ORG_ID,
            "AEP_IMS_URL": url,
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def cli_args(project: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "aep_exports", "--project", str(project), *args]


def run_cli(project: Path, url: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_args(project, *args),
        env=server_env(url),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def prepare_server(url: str, *, profiles: int = 20) -> None:
    httpx.post(
        f"{url}/local/seed", json={"sandbox": SANDBOX, "profiles": profiles}, timeout=60
    ).raise_for_status()


def platform_jobs(url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Every export job of the sandbox, newest first (walking every page)."""
    jobs: list[dict[str, Any]] = []
    offset = ""
    for _ in range(10_000):
        answer = httpx.get(
            f"{url}/data/core/ups/export/jobs",
            params={"limit": 100, "offset": offset},
            headers=headers,
            timeout=30,
        ).json()
        jobs.extend(answer["records"])
        nxt = answer["link"]["next"]
        if not nxt:
            return jobs
        offset = nxt.split("offset=", 1)[1]
    raise AssertionError("too many pages")


def put_faults(url: str, **faults: Any) -> None:
    httpx.put(f"{url}/local/faults", json=faults, timeout=10).raise_for_status()


def read_state(project: Path) -> Any:
    from aep_exports.config.settings import load_settings
    from aep_exports.state.backend import open_backend

    settings = load_settings(project, {})
    return open_backend(settings, org=DEV_ORG_ID).read()


def check_invariants(project: Path, url: str, headers: dict[str, str]) -> dict[str, int]:
    """At most one job per export per slot, every platform job in state, watermark = last success's ``to``."""
    state = read_state(project)
    assert not state.open_intents(), [i.key for i in state.open_intents()]
    tracked: dict[int, tuple[str, Any]] = {}
    per_slot: dict[tuple[str, Any], list[int]] = {}
    for key, record in state.exports.items():
        for run in record.runs:
            if run.job_id is None:
                continue
            assert run.job_id not in tracked, f"job {run.job_id} recorded twice"
            tracked[run.job_id] = (key, run.slot)
            per_slot.setdefault((key, run.slot), []).append(run.job_id)
        last = record.last_succeeded()
        assert record.watermark == (last.window_to if last else None), key
    duplicates = {slot: ids for slot, ids in per_slot.items() if len(ids) > 1}
    assert not duplicates, f"more than one job for one slot: {duplicates}"
    jobs = platform_jobs(url, headers)
    untracked = [job["id"] for job in jobs if job["id"] not in tracked]
    assert not untracked, f"jobs on the platform missing from state: {untracked}"
    return {"jobs": len(jobs), "slots": len(per_slot)}
