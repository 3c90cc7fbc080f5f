"""``--select``: for every command, what it did not select stays byte-identical in state.

Two teams' exports on a real platform server, each with its own dataset and labels. After a first
apply, a second one starts both exports' next runs without waiting; the jobs then finish on the
platform, so any command that refreshed would record their outcomes. Each command run with
``--select team=crm`` (plan, apply, status, drift, download, report) must leave the ads export and
its dataset exactly as they were in state — and a run without a selection afterwards proves there
was something to record.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta

import pytest

from aep_exports.state.model import RunStatus, StateDocument
from support.declarations import MERGE_POLICY, SEGMENT

FIRST = datetime(2024, 3, 1, 3, 30, tzinfo=UTC)
EXPORTS = textwrap.dedent(f"""\
    datasets:
      crm-target:
        name: CRM target
        labels: {{team: crm}}
      ads-target:
        name: Ads target
        labels: {{team: ads}}
    exports:
      crm-daily:
        dataset: crm-target
        schedule: "0 3 * * *"
        incremental: true
        labels: {{team: crm, tier: gold}}
        fields: [identities.id]
        mergePolicy: {{id: {MERGE_POLICY}}}
        filter:
          segments: [{{segmentId: {SEGMENT}, segmentNs: AAM, status: [realized]}}]
      ads-daily:
        dataset: ads-target
        schedule: "0 3 * * *"
        incremental: true
        labels: {{team: ads}}
        fields: [identities.id, personalEmail.address]
        mergePolicy: {{id: {MERGE_POLICY}}}
        filter:
          segments: [{{segmentId: {SEGMENT}, segmentNs: AAM, status: [existing]}}]
    """)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _untouched(doc: StateDocument) -> tuple[str, str]:
    return doc.exports["ads-daily"].model_dump_json(), doc.datasets["ads-target"].model_dump_json()


SELECTED_COMMANDS = [
    ("plan",),
    ("plan", "--target", "crm-daily"),
    ("drift",),
    ("status", "--refresh"),
    ("status", "--format", "openmetrics"),
    ("report", "-o", "{tmp}/report.html", "--since", "all"),
    ("download", "-o", "{tmp}/downloads"),
    ("apply", "--auto-approve", "--wait", "--wait-timeout", "20"),
]


@pytest.mark.parametrize("command", SELECTED_COMMANDS, ids=[" ".join(c[:2]) for c in SELECTED_COMMANDS])
def test_a_selected_command_leaves_what_it_did_not_select_byte_identical(
    command: tuple[str, ...], platform_server, make_project, tmp_path
) -> None:
    project = make_project(EXPORTS, platform=platform_server.url)
    with project.admin() as admin:
        admin.set_clock(FIRST)
        first = project.cli(
            "apply", "--auto-approve", "--wait", "--wait-timeout", "20", "--now", _stamp(FIRST)
        )
        assert first.exit_code == 0, first.output
        admin.configure(job_duration_s=600)
        second_at = FIRST + timedelta(days=1)
        admin.set_clock(second_at)
        second = project.cli("apply", "--auto-approve", "--now", _stamp(second_at))
        assert second.exit_code == 0, second.output
        later = second_at + timedelta(minutes=30)  # both new jobs have finished on the platform by now
        admin.set_clock(later)
        before = project.state()
        assert before.exports["ads-daily"].runs[-1].status in (RunStatus.NEW, RunStatus.PROCESSING)

        args = [part.format(tmp=tmp_path) for part in command]
        selector = [] if "--target" in args else ["--select", "team=crm"]
        result = (
            project.cli(*args, *selector, "--now", _stamp(later))
            if args[0] not in ("report", "download")
            else project.cli(*args, *selector)
        )
        assert result.exit_code in (0, 2), result.output + repr(result.exception)
        after = project.state()
        assert _untouched(after) == _untouched(before), f"{command} touched the ads export"
        if args[0] in ("plan", "apply"):
            assert "1 of 2 exports and 1 of 2 datasets selected" in result.output, result.output
        if args[0] == "download":
            assert "export crm-daily" in result.output and "ads-daily" not in result.output
        if args[0] == "status" and "openmetrics" in args:
            assert 'export="crm-daily"' in result.output and 'export="ads-daily"' not in result.output

        everything = project.cli("refresh", "--now", _stamp(later))
        assert everything.exit_code == 0, everything.output
        assert project.state().exports["ads-daily"].runs[-1].status == RunStatus.SUCCEEDED, (
            "it was there to record"
        )
