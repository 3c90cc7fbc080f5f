"""import, download and status against the embedded local platform (in-process ASGI), through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result
from ops_project import (
    MERGE_POLICY,
    downloaded_files,
    embedded_client,
    make_outside,
    platform_files,
)

from aep_exports.cli.wiring import local_data_dir, open_client, open_state
from aep_exports.config.settings import load_settings
from aep_exports.ops.download import download_run, list_run_files
from aep_exports.ops.progress import NoProgress

OTHER_POLICY = "0bf16e61-90e9-4204-b8fa-ad250360957b"


def run(project: Path, *args: str) -> Result:
    from aep_exports.cli.main import cli

    return CliRunner().invoke(cli, ["--project", str(project), *args])


def message(result: Result) -> str:
    """What the user reads: the output, errors included (click prints them)."""
    return result.output


def adopt(project: Path) -> tuple[str, int]:
    with embedded_client(project, rows_per_file=7) as client:
        dataset_id, job_id = make_outside(client, project)
    imported = run(project, "import", "dataset", "target", dataset_id)
    assert imported.exit_code == 0, message(imported)
    adopted = run(project, "import", "export", "daily", str(job_id))
    assert adopted.exit_code == 0, message(adopted)
    return dataset_id, job_id


def test_import_matching_resources_records_them(local_project: Path) -> None:
    dataset_id, job_id = adopt(local_project)
    state = open_state(load_settings(local_project, {})).read()
    assert state.datasets["target"].id == dataset_id
    (recorded,) = state.exports["daily"].runs
    assert recorded.job_id == job_id and recorded.status == "SUCCEEDED" and recorded.note == "imported"
    assert recorded.batches and recorded.window_to is not None
    assert state.exports["daily"].watermark == recorded.window_to
    # Importing the same job again is refused: it is already managed.
    again = run(local_project, "import", "export", "daily", str(job_id))
    assert again.exit_code != 0 and "already recorded" in message(again)
    status = json.loads(run(local_project, "status", "daily", "--format", "json").output)
    (daily,) = status["exports"]
    assert daily["health"] == "healthy" and daily["last_run"]["job_id"] == job_id
    assert daily["last_run"]["rows"] > 0 and status["datasets"] == []


def test_import_mismatch_shows_diff_and_refuses_unless_forced(local_project: Path) -> None:
    with embedded_client(local_project) as client:
        dataset_id, job_id = make_outside(
            client,
            local_project,
            dataset_changes={"name": "Someone else's"},
            # A difference a job record shows (records never show ``fields``): the merge policy.
            job_changes={"mergePolicy": {"id": OTHER_POLICY}},
        )
    refused = run(local_project, "import", "dataset", "target", dataset_id)
    assert refused.exit_code != 0
    assert '~ name: "Someone else\'s" -> "Ops test target"' in refused.output
    assert "does not match its declaration; nothing was imported" in message(refused)
    assert open_state(load_settings(local_project, {})).read().datasets == {}

    forced = run(local_project, "import", "dataset", "target", dataset_id, "--force")
    assert forced.exit_code == 0, message(forced)
    assert "Imported anyway (--force)" in forced.output
    plan = run(local_project, "plan", "--now", "2024-05-01T04:00:00Z")
    assert "update dataset" in plan.output and "Ops test target" in plan.output

    job_refused = run(local_project, "import", "export", "daily", str(job_id))
    assert job_refused.exit_code != 0
    assert f'~ mergePolicy.id: "{OTHER_POLICY}" -> "{MERGE_POLICY}"' in job_refused.output
    assert open_state(load_settings(local_project, {})).read().exports == {}


def test_import_unknown_ids_and_keys_are_clean_errors(local_project: Path) -> None:
    unknown_dataset = run(local_project, "import", "dataset", "target", "0123456789abcdef01234567")
    assert unknown_dataset.exit_code != 0
    assert "dataset 0123456789abcdef01234567 was not found in sandbox 'dev'" in message(unknown_dataset)
    unknown_key = run(local_project, "import", "dataset", "nope", "0123456789abcdef01234567")
    assert "no dataset named 'nope' is declared" in message(unknown_key)
    with embedded_client(local_project) as client:
        dataset_id = client.create_dataset({"name": "x"})
    assert run(local_project, "import", "dataset", "target", dataset_id, "--force").exit_code == 0
    unknown_job = run(local_project, "import", "export", "daily", "987654")
    assert "export job 987654 was not found" in message(unknown_job)
    # Through main(), as a user runs it: an error line and exit 1, never a traceback.
    import subprocess
    import sys

    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "aep_exports",
            "--project",
            str(local_project),
            "import",
            "export",
            "daily",
            "987654",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 1
    assert "Error: export job 987654 was not found" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_download_gets_identical_files_and_skips_complete_ones(local_project: Path) -> None:
    _, job_id = adopt(local_project)
    fetched = run(local_project, "download", "daily")
    assert fetched.exit_code == 0, message(fetched)
    target = local_project / "downloads" / "daily" / str(job_id)
    data_dir = local_data_dir(load_settings(local_project, {}))
    expected = platform_files(data_dir, job_id)
    assert len(expected) > 1  # several files: rows_per_file is small
    assert downloaded_files(target) == expected
    assert f"{len(expected)} downloaded" in fetched.output and str(target) in fetched.output
    assert f"[{len(expected)}/{len(expected)}]" in fetched.output  # plain progress lines (not a terminal)

    again = run(local_project, "download", "daily", "--run", str(job_id), "-o", str(target))
    assert again.exit_code == 0 and f"0 downloaded, {len(expected)} already complete" in again.output


def test_download_resumes_partial_and_truncated_files(local_project: Path) -> None:
    _, job_id = adopt(local_project)
    settings = load_settings(local_project, {})
    out = local_project / "resume"
    with open_client(settings) as client:
        files = list_run_files(client, "daily", job_id, out)
        first = download_run(client, files, NoProgress())
        assert first.downloaded == len(files.files)
        whole = {f.dest: f.dest.read_bytes() for f in files.files}
        partial, truncated = files.files[0], files.files[1]
        # An interrupted download leaves NAME.part; a copy cut short leaves a short NAME.
        cut = len(whole[partial.dest]) // 2
        partial.dest.rename(partial.dest.with_name(partial.dest.name + ".part"))
        partial.dest.with_name(partial.dest.name + ".part").write_bytes(whole[partial.dest][:cut])
        truncated.dest.write_bytes(whole[truncated.dest][:100])
        second = download_run(client, files, NoProgress())
    assert second.resumed == 2 and second.downloaded == 2
    assert second.skipped == len(files.files) - 2
    assert second.bytes_received == (len(whole[partial.dest]) - cut) + (len(whole[truncated.dest]) - 100)
    for dest, content in whole.items():
        assert dest.read_bytes() == content
    assert not list(out.rglob("*.part"))


def test_download_of_a_run_that_did_not_succeed_is_a_clean_error(local_project: Path) -> None:
    with embedded_client(local_project) as client:
        dataset_id, job_id = make_outside(client, local_project, export="broken")
        assert client.get_export_job(job_id).status == "FAILED"
    assert run(local_project, "import", "dataset", "target", dataset_id).exit_code == 0
    imported = run(local_project, "import", "export", "broken", str(job_id))
    assert imported.exit_code == 0, message(imported)

    latest = run(local_project, "download", "broken")
    assert latest.exit_code != 0
    assert "export 'broken' has no successful run to download (last run: FAILED)" in message(latest)
    named = run(local_project, "download", "broken", "--run", str(job_id))
    assert named.exit_code != 0
    assert f"job {job_id} of export 'broken' is FAILED" in message(named)
    assert "only a SUCCEEDED run has files" in message(named)
    unknown = run(local_project, "download", "broken", "--run", "424242")
    assert "job 424242 is not a run of export 'broken' in state" in message(unknown)
    assert not (local_project / "downloads").exists()

    status = json.loads(
        run(local_project, "status", "--format", "json", "--now", "2024-05-01T04:00:00Z").output
    )
    broken = next(e for e in status["exports"] if e["key"] == "broken")
    assert broken["health"] == "failing"
    assert broken["last_run"]["status"] == "FAILED" and broken["last_run"]["errors"]
    assert broken["reason"].startswith(f"job {job_id} FAILED")
