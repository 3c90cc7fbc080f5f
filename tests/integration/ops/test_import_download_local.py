"""import, download and status against the embedded local platform (in-process ASGI), through the CLI."""

from __future__ import annotations

import json

from click.testing import Result

from aep_exports.cli.wiring import open_client
from aep_exports.ops.download import download_run, list_run_files
from aep_exports.ops.progress import NoProgress
from support.declarations import MERGE_POLICY
from support.outside import downloaded_files, make_outside, platform_files
from support.projects import Project

OTHER_POLICY = "0bf16e61-90e9-4204-b8fa-ad250360957b"


def message(result: Result) -> str:
    """What the user reads: the output, errors included (click prints them)."""
    return result.output


def adopt(project: Project) -> tuple[str, int]:
    with project.client(rows_per_file=7) as client:
        dataset_id, job_id = make_outside(client, project)
    imported = project.cli("import", "dataset", "target", dataset_id)
    assert imported.exit_code == 0, message(imported)
    adopted = project.cli("import", "export", "daily", str(job_id))
    assert adopted.exit_code == 0, message(adopted)
    return dataset_id, job_id


def test_import_matching_resources_records_them(project: Project) -> None:
    dataset_id, job_id = adopt(project)
    state = project.state()
    assert state.datasets["target"].id == dataset_id
    (recorded,) = state.exports["daily"].runs
    assert recorded.job_id == job_id and recorded.status == "SUCCEEDED" and recorded.note == "imported"
    assert recorded.batches and recorded.window_to is not None
    assert state.exports["daily"].watermark == recorded.window_to
    # Importing the same job again is refused: it is already managed.
    again = project.cli("import", "export", "daily", str(job_id))
    assert again.exit_code != 0 and "already recorded" in message(again)
    status = json.loads(project.cli("status", "daily", "--format", "json").output)
    (daily,) = status["exports"]
    assert daily["health"] == "healthy" and daily["last_run"]["job_id"] == job_id
    assert daily["last_run"]["rows"] > 0 and status["datasets"] == []


def test_import_mismatch_shows_diff_and_refuses_unless_forced(project: Project) -> None:
    with project.client() as client:
        dataset_id, job_id = make_outside(
            client,
            project,
            dataset_changes={"name": "Someone else's"},
            # A difference a job record shows (records never show ``fields``): the merge policy.
            job_changes={"mergePolicy": {"id": OTHER_POLICY}},
        )
    refused = project.cli("import", "dataset", "target", dataset_id)
    assert refused.exit_code != 0
    assert '~ name: "Someone else\'s" -> "Ops test target"' in refused.output
    assert "does not match its declaration; nothing was imported" in message(refused)
    assert project.state().datasets == {}

    forced = project.cli("import", "dataset", "target", dataset_id, "--force")
    assert forced.exit_code == 0, message(forced)
    assert "Imported anyway (--force)" in forced.output
    plan = project.cli("plan", "--now", "2024-05-01T04:00:00Z")
    assert "update dataset" in plan.output and "Ops test target" in plan.output

    job_refused = project.cli("import", "export", "daily", str(job_id))
    assert job_refused.exit_code != 0
    assert f'~ mergePolicy.id: "{OTHER_POLICY}" -> "{MERGE_POLICY}"' in job_refused.output
    assert project.state().exports == {}


def test_import_unknown_ids_and_keys_are_clean_errors(project: Project) -> None:
    unknown_dataset = project.cli("import", "dataset", "target", "0123456789abcdef01234567")
    assert unknown_dataset.exit_code != 0
    assert "dataset 0123456789abcdef01234567 was not found in sandbox 'dev'" in message(unknown_dataset)
    unknown_key = project.cli("import", "dataset", "nope", "0123456789abcdef01234567")
    assert "no dataset named 'nope' is declared" in message(unknown_key)
    with project.client() as client:
        dataset_id = client.create_dataset({"name": "x"})
    assert project.cli("import", "dataset", "target", dataset_id, "--force").exit_code == 0
    unknown_job = project.cli("import", "export", "daily", "987654")
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
            str(project.root),
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


def test_download_gets_identical_files_and_skips_complete_ones(project: Project) -> None:
    _, job_id = adopt(project)
    fetched = project.cli("download", "daily")
    assert fetched.exit_code == 0, message(fetched)
    target = project.root / "downloads" / "daily" / str(job_id)
    data_dir = project.data_dir
    expected = platform_files(data_dir, job_id)
    assert len(expected) > 1  # several files: rows_per_file is small
    assert downloaded_files(target) == expected
    assert f"{len(expected)} downloaded" in fetched.output and str(target) in fetched.output
    assert f"[{len(expected)}/{len(expected)}]" in fetched.output  # plain progress lines (not a terminal)

    again = project.cli("download", "daily", "--run", str(job_id), "-o", str(target))
    assert again.exit_code == 0 and f"0 downloaded, {len(expected)} already complete" in again.output


def test_download_resumes_partial_and_truncated_files(project: Project) -> None:
    _, job_id = adopt(project)
    settings = project.settings
    out = project.root / "resume"
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


def test_download_of_a_run_that_did_not_succeed_is_a_clean_error(project: Project) -> None:
    with project.client() as client:
        dataset_id, job_id = make_outside(client, project, export="broken")
        assert client.get_export_job(job_id).status == "FAILED"
    assert project.cli("import", "dataset", "target", dataset_id).exit_code == 0
    imported = project.cli("import", "export", "broken", str(job_id))
    assert imported.exit_code == 0, message(imported)

    latest = project.cli("download", "broken")
    assert latest.exit_code != 0
    assert "export 'broken' has no successful run to download (last run: FAILED)" in message(latest)
    named = project.cli("download", "broken", "--run", str(job_id))
    assert named.exit_code != 0
    assert f"job {job_id} of export 'broken' is FAILED" in message(named)
    assert "only a SUCCEEDED run has files" in message(named)
    unknown = project.cli("download", "broken", "--run", "424242")
    assert "job 424242 is not a run of export 'broken' in state" in message(unknown)
    assert not (project.root / "downloads").exists()

    status = json.loads(
        project.cli("status", "--format", "json", "--now", "2024-05-01T04:00:00Z").output
    )
    broken = next(e for e in status["exports"] if e["key"] == "broken")
    assert broken["health"] == "failing"
    assert broken["last_run"]["status"] == "FAILED" and broken["last_run"]["errors"]
    assert broken["reason"].startswith(f"job {job_id} FAILED")
