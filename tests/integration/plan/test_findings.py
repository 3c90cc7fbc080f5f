"""Out-of-band findings persist until resolved or acknowledged (issue 13, item 7).

A job started by hand into a managed dataset used to be reported by `drift` only until the next,
unrelated state write (the next listing starts after it).
"""

from __future__ import annotations

import json

from support.outside import start_outside_job
from support.projects import Project

DAY1 = "2024-05-01T04:00:00Z"
DAY2 = "2024-05-02T04:00:00Z"
DAY2_LATER = "2024-05-02T09:00:00Z"


def _drift(project: Project, now: str) -> tuple[int, dict]:
    result = project.cli("drift", "--now", now, "--format", "json")
    return result.exit_code, json.loads(result.output)


def _outside_job_after_an_unrelated_apply(project: Project) -> int:
    first = project.cli("apply", "--auto-approve", "--now", DAY1)
    assert first.exit_code == 0, first.output
    with project.client() as client:
        job_id = start_outside_job(client, project)
    code, _ = _drift(project, DAY1)
    assert code == 3
    applied = project.cli("apply", "--auto-approve", "--now", DAY2)  # the next day's run: unrelated
    assert applied.exit_code == 0, applied.output
    refreshed = project.cli("refresh", "--now", DAY2_LATER)  # and another write
    assert refreshed.exit_code == 0, refreshed.output
    return job_id


def _ids(report: dict, kind: str) -> list[str]:
    return [f.get("id") for f in report.get(kind, [])]


def test_an_outside_job_stays_in_drift_after_unrelated_writes(project: Project) -> None:
    job_id = _outside_job_after_an_unrelated_apply(project)
    result = project.cli("drift", "--now", DAY2_LATER)
    assert result.exit_code == 3, result.output
    assert f"job {job_id}" in result.output and f"job-{job_id}" in result.output, result.output
    assert f"job-{job_id}" in project.state().findings


def test_state_ack_records_who_when_why_and_clears_drift(project: Project) -> None:
    job_id = _outside_job_after_an_unrelated_apply(project)
    acked = project.cli("state", "ack", f"job-{job_id}", "--reason", "backfill run by hand", "--by", "ana")
    assert acked.exit_code == 0, acked.output
    finding = project.state().findings[f"job-{job_id}"]
    assert finding.ack is not None
    assert (finding.ack.by, finding.ack.reason) == ("ana", "backfill run by hand")
    result = project.cli("drift", "--now", DAY2_LATER)
    assert result.exit_code == 0, result.output
    assert "acknowledged by ana" in result.output and "backfill run by hand" in result.output, result.output
    # the acknowledgement survives later writes
    again = project.cli("refresh", "--now", "2024-05-02T12:00:00Z")
    assert again.exit_code == 0, again.output
    assert project.state().findings[f"job-{job_id}"].ack is not None


def test_state_ack_of_an_unknown_id_fails_and_names_the_known_ones(project: Project) -> None:
    job_id = _outside_job_after_an_unrelated_apply(project)
    result = project.cli("state", "ack", "job-1", "--reason", "x")
    assert result.exit_code != 0 and f"job-{job_id}" in result.output, result.output


def test_a_finding_seen_only_by_drift_can_be_acknowledged(project: Project) -> None:
    first = project.cli("apply", "--auto-approve", "--now", DAY1)
    assert first.exit_code == 0, first.output
    with project.client() as client:
        job_id = start_outside_job(client, project)
    assert f"job-{job_id}" not in project.state().findings  # drift is read-only: nothing recorded yet
    acked = project.cli("state", "ack", f"job-{job_id}", "--reason", "known")
    assert acked.exit_code == 0, acked.output
    code, _ = _drift(project, DAY1)
    assert code == 0


def test_importing_the_job_resolves_the_finding(project: Project) -> None:
    job_id = _outside_job_after_an_unrelated_apply(project)
    imported = project.cli("import", "export", "daily", str(job_id))
    assert imported.exit_code == 0, imported.output
    result = project.cli("drift", "--now", DAY2_LATER)
    assert result.exit_code == 0, result.output
    refreshed = project.cli("refresh", "--now", "2024-05-02T12:00:00Z")
    assert refreshed.exit_code == 0, refreshed.output
    assert f"job-{job_id}" not in project.state().findings


def test_a_second_ack_is_refused_unless_forced_and_the_first_is_kept(project: Project) -> None:
    job_id = _outside_job_after_an_unrelated_apply(project)
    finding = f"job-{job_id}"
    first = project.cli("state", "ack", finding, "--reason", "backfill run by hand", "--by", "ana")
    assert first.exit_code == 0, first.output
    second = project.cli("state", "ack", finding, "--reason", "something else", "--by", "bob")
    assert second.exit_code == 64, second.output
    assert "already acknowledged by ana at" in second.output, second.output
    assert "backfill run by hand" in second.output and "--force" in second.output, second.output
    assert "Traceback" not in second.output
    kept = project.state().findings[finding]
    assert kept.ack is not None and (kept.ack.by, kept.ack.reason) == ("ana", "backfill run by hand")

    forced = project.cli("state", "ack", finding, "--reason", "something else", "--by", "bob", "--force")
    assert forced.exit_code == 0, forced.output
    record = project.state().findings[finding]
    assert record.ack is not None and (record.ack.by, record.ack.reason) == ("bob", "something else")
    assert [(a.by, a.reason) for a in record.earlier_acks] == [("ana", "backfill run by hand")]
