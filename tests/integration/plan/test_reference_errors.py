"""A segment or merge policy the sandbox does not have: the error points at its own line, names the sandbox
and says what the sandbox has (or that it has nothing: a wrong --sandbox)."""

from __future__ import annotations

import textwrap

from support.declarations import MERGE_POLICY, MISSING_POLICY, SEGMENT
from support.projects import ProjectFactory

T = "2024-05-01T04:00:00Z"
WRONG_SEGMENT = "00000000-2c35-4f6d-b4c6-9075c68d2df4"


def _yaml(policy: str, segment: str) -> str:
    return textwrap.dedent(f"""\
        datasets:
          target:
            name: Reference test target
        exports:
          daily:
            dataset: target
            schedule: "0 3 * * *"
            mergePolicy:
              version: 1
              id: {policy}
            filter:
              segments:
                - segmentId: {SEGMENT}
                - segmentNs: AAM
                  segmentId: {segment}
        """)


def _line(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def test_unknown_references_point_at_their_own_line_name_the_sandbox_and_list_what_exists(
    make_project: ProjectFactory,
) -> None:
    declared = _yaml(MISSING_POLICY, WRONG_SEGMENT)
    project = make_project(declared)
    result = project.cli("plan", "--now", T)
    assert result.exit_code == 1, result.output
    segment_line, policy_line = _line(declared, WRONG_SEGMENT), _line(declared, MISSING_POLICY)
    assert (
        f"exports/main.yaml:{segment_line}: export daily: segment '{WRONG_SEGMENT}' does not exist in "
        "sandbox 'dev'" in result.output
    ), result.output
    assert (
        f"exports/main.yaml:{policy_line}: export daily: merge policy '{MISSING_POLICY}' does not exist in "
        "sandbox 'dev'" in result.output
    ), result.output
    # what the sandbox does have, so a typo is one glance away
    errors = [line for line in result.output.splitlines() if "does not exist" in line]
    segment_error = next(line for line in errors if WRONG_SEGMENT in line)
    policy_error = next(line for line in errors if MISSING_POLICY in line)
    assert f"closest first: {SEGMENT}" in segment_error and MERGE_POLICY in policy_error
    # a known segment beside the unknown one is no error
    assert f"segment '{SEGMENT}'" not in result.output


def test_a_wrong_sandbox_is_said_to_have_nothing(make_project: ProjectFactory) -> None:
    declared = _yaml(MERGE_POLICY, SEGMENT)
    project = make_project(declared)  # the profile store is seeded in sandbox 'dev'
    assert project.cli("plan", "--now", T).exit_code == 0
    result = project.cli("--sandbox", "dve", "plan", "--now", T)
    assert result.exit_code == 1, result.output
    errors = {
        line.removeprefix("Error: ") for line in result.output.splitlines() if "in sandbox 'dve'" in line
    }
    assert len(errors) == 3, result.output  # two segments, one merge policy
    for error in errors:
        assert "sandbox 'dve' has no segments and no merge policies" in error, error
        assert "is the sandbox right?" in error, error
    assert f"exports/main.yaml:{_line(declared, 'id: ' + MERGE_POLICY)}:" in result.output


def test_a_merge_policy_version_newer_than_the_latest_is_a_plan_error_on_its_line(
    make_project: ProjectFactory,
) -> None:
    """Without the check the plan was clean and the job FAILED on the platform (MERGE_POLICY_NOT_FOUND)."""
    declared = _yaml(MERGE_POLICY, SEGMENT).replace("version: 1", "version: 99")
    project = make_project(declared)
    result = project.cli("plan", "--now", T)
    assert result.exit_code == 1, result.output
    line = _line(declared, "version: 99")
    assert (
        f"exports/main.yaml:{line}: export daily: merge policy '{MERGE_POLICY}' in sandbox 'dev' is at "
        "version 1; version 99 does not exist" in result.output
    ), result.output
    assert project.cli("plan", "--now", T).exit_code == 1
    # the declared version that exists plans cleanly
    project.write(_yaml(MERGE_POLICY, SEGMENT))
    assert project.cli("plan", "--now", T).exit_code == 0
