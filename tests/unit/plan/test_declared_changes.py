"""Every declared difference is a change in the plan: its action, diff, summary count and exit code, in
text, Markdown and JSON alike; ``drift`` reports the same pending set (issue 13, item 2)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from aep_exports.plan.actions import digest_of
from aep_exports.plan.desired import DesiredExport
from aep_exports.plan.drift import drift_report
from aep_exports.plan.live import LiveSnapshot
from aep_exports.plan.model import Plan, PlanOptions
from aep_exports.plan.planner import PlanContext, make_plan
from aep_exports.render.json_view import render_drift_json, render_plan_json
from aep_exports.render.markdown import render_plan_markdown
from aep_exports.render.text import render_drift_text, render_plan_text
from aep_exports.state.model import StateDocument
from support.plans import (
    applied_dataset,
    applied_export,
    at,
    dataset,
    desired,
    export,
    live,
    live_body,
    run,
    state,
)

NOW = at(hours=4)  # the daily 03:00 run of today is done; the next is tomorrow 03:00
DS = dataset()
OLD = export()


def _with_spec(want: DesiredExport, **top: Any) -> DesiredExport:
    """``want`` whose declaration has these top-level keys changed (as the YAML loader would dump them)."""
    spec = {**want.spec, **top}
    return dataclasses.replace(want, spec=spec, spec_digest=digest_of(spec))


def _history(ds_body: dict[str, Any] | None = None) -> tuple[StateDocument, LiveSnapshot]:
    doc = state(
        datasets={"target": applied_dataset(DS)},
        exports={"daily": applied_export(OLD, [run(at(hours=3), window_from=at(hours=-21))])},
    )
    return doc, live(NOW, datasets={"ds-1": ds_body or live_body(DS)})


def _plan(*items: Any, ds_body: dict[str, Any] | None = None) -> Plan:
    doc, snapshot = _history(ds_body)
    return make_plan(desired(*items), doc, snapshot, NOW, context=PlanContext(sandbox="dev"))


TOMORROW = "from the run at 2024-05-02T03:00:00Z"

# (case, declarations, platform's dataset body, kind, summary, text lines, Markdown diff lines)
CASES = [
    (
        "fields",
        (DS, export(fields="identities.id,person.name")),
        None,
        "update_export",
        f"Plan: 1 export to change ({TOMORROW}).",
        ['~ change export "daily": ' + TOMORROW, '+ fields[1] = "person.name"'],
        ['+ fields[1] = "person.name"'],
    ),
    (
        "segments",
        (DS, export(segments=("seg-b",))),
        None,
        "update_export",
        f"Plan: 1 export to change ({TOMORROW}).",
        ['~ filter.segments[0].segmentId: "seg-a" -> "seg-b"'],
        ['- filter.segments[0].segmentId = "seg-a"', '+ filter.segments[0].segmentId = "seg-b"'],
    ),
    (
        "merge policy",
        (DS, export(merge_policy="mp-2")),
        None,
        "update_export",
        f"Plan: 1 export to change ({TOMORROW}).",
        ['~ mergePolicy.id: "mp-1" -> "mp-2"'],
        ['- mergePolicy.id = "mp-1"', '+ mergePolicy.id = "mp-2"'],
    ),
    (
        "filter key",
        (DS, _with_spec(OLD, filter={**OLD.spec["filter"], "emptyProfiles": True})),
        None,
        "update_export",
        f"Plan: 1 export to change ({TOMORROW}).",
        ["+ filter.emptyProfiles = true"],
        ["+ filter.emptyProfiles = true"],
    ),
    (
        "schedule",
        (DS, export(schedule="0 5 * * *")),
        None,
        "update_export",
        "Plan: 1 export to change (from the run at 2024-05-01T05:00:00Z).",
        ['~ schedule: "0 3 * * *" -> "0 5 * * *"'],
        ['- schedule = "0 3 * * *"', '+ schedule = "0 5 * * *"'],
    ),
    (
        "enabled flip",
        (DS, dataclasses.replace(_with_spec(OLD, enabled=False), enabled=False)),
        None,
        "update_export",
        "Plan: 1 export to change (no run while disabled (enabled: false)).",
        ["+ enabled = false"],
        ["+ enabled = false"],
    ),
    (
        "dataset change",
        (dataset(description="for the CRM"), OLD),
        None,
        "update_dataset",
        "Plan: 1 dataset to update.",
        ['~ update dataset "target" (ds-1) in place', '~ description: (absent) -> "for the CRM"'],
        ['+ description = "for the CRM"'],
    ),
    (
        "dataset change the platform already has (state only)",
        (dataset(description="for the CRM"), OLD),
        live_body(DS, description="for the CRM"),
        "update_dataset",
        "Plan: 1 dataset to update.",
        ['~ record the new declaration of dataset "target"', '~ description: (absent) -> "for the CRM"'],
        ['+ description = "for the CRM"'],
    ),
    (
        "new export",
        (
            DS,
            OLD,
            export("fresh", fields="identities.id,person.name", segments=("seg-z",), merge_policy="mp-9"),
        ),
        None,
        "run_export",
        "Plan: 1 export to run.",
        [
            '+ run export "fresh" for slot 2024-05-01T03:00:00Z',
            "window      = (everything) → 2024-05-01T03:00:00Z",
            'request.fields = "identities.id,person.name"',
            'request.filter.segments = [{"segmentId": "seg-z"}]',
            'request.mergePolicy.id = "mp-9"',
        ],
        [
            '+ request.fields = "identities.id,person.name"',
            '+ request.filter.segments = [{"segmentId": "seg-z"}]',
            '+ request.mergePolicy.id = "mp-9"',
        ],
    ),
    (
        "new manual export",
        (DS, OLD, export("adhoc", None, fields="identities.id,person.name", segments=("seg-z",),
                         merge_policy="mp-9")),
        None,
        "add_export",
        "Plan: 1 export to add (manual: runs only with apply --run).",
        [
            '+ add export "adhoc": manual: runs only with apply --run',
            'request.fields = "identities.id,person.name"',
            'request.filter.segments = [{"segmentId": "seg-z"}]',
            'request.mergePolicy.id = "mp-9"',
        ],
        [
            '+ request.fields = "identities.id,person.name"',
            '+ request.filter.segments = [{"segmentId": "seg-z"}]',
            '+ request.mergePolicy.id = "mp-9"',
        ],
    ),
    (
        "new disabled export",
        (DS, OLD, export("off", enabled=False, segments=("seg-z",), merge_policy="mp-9")),
        None,
        "add_export",
        "Plan: 1 export to add (disabled: no run until it is enabled).",
        [
            '+ add export "off": disabled: no run until it is enabled',
            'request.filter.segments = [{"segmentId": "seg-z"}]',
            'request.mergePolicy.id = "mp-9"',
        ],
        ['+ request.filter.segments = [{"segmentId": "seg-z"}]', '+ request.mergePolicy.id = "mp-9"'],
    ),
]


@pytest.mark.parametrize(
    ("case", "items", "ds_body", "kind", "summary", "text_lines", "diff_lines"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_each_declared_difference_is_a_change_in_every_format(
    case: str,
    items: tuple[Any, ...],
    ds_body: dict[str, Any] | None,
    kind: str,
    summary: str,
    text_lines: list[str],
    diff_lines: list[str],
) -> None:
    plan = _plan(*items, ds_body=ds_body)
    assert not plan.errors, plan.errors
    assert [a.kind for a in plan.actions] == [kind]
    assert plan.summary_line() == summary
    assert plan.has_changes  # plan --detailed-exitcode exits 2
    assert drift_report(plan).exit_code == 2  # and drift agrees: declared, not applied

    text = render_plan_text(plan)
    assert "No changes" not in text and text.rstrip().endswith(summary)
    for line in text_lines:
        assert line in text, text

    markdown = render_plan_markdown(plan)
    assert markdown.startswith(f"### aep-exports plan for sandbox `dev`\n\n**{summary}**")
    assert "#### Drift" not in markdown and "```diff" in markdown
    for line in diff_lines:
        assert f"\n{line}\n" in markdown, markdown

    (action,) = json.loads(render_plan_json(plan))["actions"]
    assert action["kind"] == kind and action["digest"].startswith("sha256:")
    if kind.startswith("update_"):
        assert action["changes"], action
    elif kind == "add_export":  # state only: the first request in full, for review
        assert action["request_body"]["filter"]["segments"] == [{"segmentId": "seg-z"}], action


def test_no_declared_difference_is_no_change() -> None:
    plan = _plan(DS, OLD)
    assert plan.actions == () and not plan.has_changes
    assert plan.summary_line() == "No changes. The platform matches the declarations."
    assert drift_report(plan).exit_code == 0


def _pending_keys(plan: Plan) -> set[tuple[str, str]]:
    return {(f.resource, f.key) for f in plan.pending}


def _declared_change_keys(plan: Plan) -> set[tuple[str, str]]:
    """What the plan changes because the declarations changed (a run merely due by schedule is not)."""
    keys = set()
    for action in plan.actions:
        if action.kind == "run_export" and not (getattr(action, "changes", None) or action.first_run):
            continue
        keys.add((action.resource, action.key))
    return keys


AGREEMENT = {
    "in sync": ((DS, OLD), NOW),
    "a run merely due": ((DS, OLD), at(days=1, hours=4)),
    "fields changed, no run due": ((DS, export(fields="a")), NOW),
    "fields changed, run due": ((DS, export(fields="a")), at(days=1, hours=4)),
    "schedule changed": ((DS, export(schedule="@hourly")), at(hours=3, minutes=30)),
    "disabled": ((DS, dataclasses.replace(_with_spec(OLD, enabled=False), enabled=False)), NOW),
    "dataset renamed": ((dataset(name="Renamed"), OLD), NOW),
    "new dataset and export": ((DS, OLD, dataset("more"), export("more", dataset_key="more")), NOW),
    "new manual export": ((DS, OLD, export("adhoc", None)), NOW),
    "new disabled export": ((DS, OLD, export("off", enabled=False)), NOW),
    "new manual export, another run due": ((DS, OLD, export("adhoc", None)), at(days=1, hours=4)),
    "export removed": ((DS,), NOW),
    "export removed, its run due": ((DS,), at(days=1, hours=4)),
    "dataset removed": ((export(dataset_id="ds-1"),), NOW),
    "everything at once": (
        (dataset(name="Renamed"), export(fields="a"), dataset("more"), export("more", dataset_key="more")),
        NOW,
    ),
}


@pytest.mark.parametrize("case", list(AGREEMENT))
def test_plan_and_drift_report_the_same_pending_set(case: str) -> None:
    items, now = AGREEMENT[case]
    doc, _ = _history()
    plan = make_plan(desired(*items), doc, live(now, datasets={"ds-1": live_body(DS)}), now)
    assert _pending_keys(plan) == _declared_change_keys(plan)
    report = json.loads(render_drift_json(plan))
    assert {(f["resource"], f["key"]) for f in report["pending"]} == _declared_change_keys(plan)
    expected = 2 if _declared_change_keys(plan) else 0
    assert report["exit_code"] == drift_report(plan).exit_code == expected
    if expected:
        assert plan.has_changes and "Declared but not applied:" in render_drift_text(plan)


EXPORT_LINE = (
    '- stop managing export "daily": no longer declared; its history stays in state (--forget daily drops it)'
)
DATASET_LINE = (
    '- stop managing dataset "target": no longer declared; '
    "the dataset stays on the platform (--prune deletes it)"
)
# (case, declarations, kind, key, summary, text line)
REMOVED = [
    ("export", (DS,), "orphan_export", "daily", "Plan: 1 export to stop managing.", EXPORT_LINE),
    (
        "dataset",
        (export(dataset_id="ds-1"),),
        "orphan_dataset",
        "target",
        "Plan: 1 dataset to stop managing.",
        DATASET_LINE,
    ),
]


@pytest.mark.parametrize(
    ("case", "items", "kind", "key", "summary", "line"), REMOVED, ids=[c[0] for c in REMOVED]
)
def test_a_removed_declaration_is_a_change_in_every_format_until_applied(
    case: str, items: tuple[Any, ...], kind: str, key: str, summary: str, line: str
) -> None:
    """Removing a declaration is not "No changes": the plan stops managing it (state only), the summary
    counts it, --detailed-exitcode and drift exit 2; once recorded, the next plan has no change."""
    plan = _plan(*items)
    assert not plan.errors and not plan.warnings, (plan.errors, plan.warnings)
    assert [(a.kind, a.key) for a in plan.actions] == [(kind, key)]
    assert plan.summary_line() == summary and plan.has_changes
    assert drift_report(plan).exit_code == 2
    assert _pending_keys(plan) == {(plan.actions[0].resource, key)}

    text = render_plan_text(plan, colour=False)
    assert "No changes" not in text and text.rstrip().endswith(summary)
    assert f"  {line}\n" in text, text
    markdown = render_plan_markdown(plan)
    assert markdown.startswith(f"### aep-exports plan for sandbox `dev`\n\n**{summary}**")
    assert line[2:] in markdown, markdown
    data = json.loads(render_plan_json(plan))
    assert data["status"] == "changes" and data["summary"] == summary
    assert [a["kind"] for a in data["actions"]] == [kind]

    doc, snapshot = _history()
    doc.mark_orphaned(plan.actions[0].resource, key)  # what apply does for it
    again = make_plan(desired(*items), doc, snapshot, NOW, context=PlanContext(sandbox="dev"))
    assert again.actions == () and not again.has_changes and not again.warnings
    assert again.summary_line() == "No changes. The platform matches the declarations."
    assert drift_report(again).exit_code == 0
    assert any("no longer declared" in info.message for info in again.infos)


def test_forget_and_prune_take_the_place_of_stopping_to_manage() -> None:
    doc, snapshot = _history()
    forgot = make_plan(desired(DS), doc, snapshot, NOW, PlanOptions(forget=("daily",)))
    assert [a.kind for a in forgot.actions] == ["forget"]
    pruned = make_plan(desired(), doc, snapshot, NOW, PlanOptions(prune=True, forget=("daily",)))
    assert [a.kind for a in pruned.actions] == ["delete_dataset", "forget"]


@pytest.mark.parametrize(("items", "changed"), [((DS, OLD), False), ((DS, export(fields="a")), True)],
                         ids=["unchanged", "changed"])
def test_an_orphaned_export_declared_again_plans_normally_and_apply_clears_the_flag(
    items: tuple[Any, ...], changed: bool
) -> None:
    doc, snapshot = _history()
    doc.mark_orphaned("export", "daily")
    plan = make_plan(desired(*items), doc, snapshot, NOW)
    (action,) = plan.actions
    assert action.kind == "update_export" and "declared again" in action.reason
    assert bool(action.changes) == changed and drift_report(plan).exit_code == 2
    doc.record_export_spec(action.key, action.spec)  # what apply does for update_export
    assert not doc.exports["daily"].orphaned
    assert make_plan(desired(*items), doc, snapshot, NOW).actions == ()
    # and when its run is due, it runs as before (the run's apply clears the flag too)
    doc.mark_orphaned("export", "daily")
    later = make_plan(desired(*items), doc, live(at(days=1, hours=4)), at(days=1, hours=4))
    assert [a.kind for a in later.actions] == ["run_export"]


def test_an_orphaned_dataset_declared_again_is_recorded_as_managed() -> None:
    doc, snapshot = _history()
    doc.mark_orphaned("dataset", "target")
    plan = make_plan(desired(DS, OLD), doc, snapshot, NOW)
    (action,) = plan.actions
    assert action.kind == "update_dataset" and action.patch == {} and "declared again" in action.reason
    doc.record_dataset_spec(action.key, action.spec)  # what apply does for a state-only update_dataset
    assert not doc.datasets["target"].orphaned
    assert make_plan(desired(DS, OLD), doc, snapshot, NOW).actions == ()


def test_apply_records_an_export_change_and_the_next_plan_has_none() -> None:
    changed = export(fields="identities.id,person.name")
    doc, snapshot = _history()
    plan = make_plan(desired(DS, changed), doc, snapshot, NOW)
    (action,) = plan.actions
    doc.record_export_spec(action.key, action.spec)  # what apply does for update_export
    again = make_plan(desired(DS, changed), doc, snapshot, NOW)
    assert again.actions == () and again.pending == ()
    # the next run sends the new request and is an ordinary scheduled run
    later = make_plan(desired(DS, changed), doc, live(at(days=1, hours=4)), at(days=1, hours=4))
    (run_action,) = later.actions
    assert (
        run_action.kind == "run_export" and run_action.request_body["fields"] == "identities.id,person.name"
    )


@pytest.mark.parametrize(
    "new", [export("adhoc", None), export("off", enabled=False)], ids=["manual", "disabled"]
)
def test_apply_records_a_new_unscheduled_export_and_the_next_plan_has_none(new: DesiredExport) -> None:
    """A new manual or disabled export is a change to review (its first request), recorded by apply with
    no platform call; afterwards it is no change until it is run (--run) or enabled."""
    doc, snapshot = _history()
    plan = make_plan(desired(DS, OLD, new), doc, snapshot, NOW)
    (action,) = plan.actions
    assert action.kind == "add_export" and drift_report(plan).exit_code == 2
    doc.record_export_spec(action.key, action.spec)  # what apply does for add_export
    again = make_plan(desired(DS, OLD, new), doc, snapshot, NOW)
    assert again.actions == () and again.pending == () and not again.has_changes
    assert again.summary_line() == "No changes. The platform matches the declarations."
    later = make_plan(desired(DS, OLD, new), doc, live(at(days=3)), at(days=3))
    assert [a.key for a in later.actions] == ["daily"]  # only the scheduled export runs


def test_markdown_of_a_plan_with_errors_is_headed_as_failed_with_the_errors_first() -> None:
    plan = _plan(DS, OLD, export("fresh"))
    broken = make_plan(
        desired(DS, export(fields="a"), export("fresh", merge_policy="mp-missing")),
        _history()[0],
        live(NOW, datasets={"ds-1": live_body(DS)}, merge_policies=frozenset({"mp-1"})),
        NOW,
        context=PlanContext(sandbox="dev"),
    )
    assert not plan.errors and len(broken.errors) == 1
    markdown = render_plan_markdown(broken)
    lines = markdown.splitlines()
    assert lines[0] == "### ❌ aep-exports plan failed for sandbox `dev`: 1 error"
    assert lines[2] == "**The plan cannot be applied until these are fixed:**"
    assert lines[4].startswith(
        "- ❌ exports/fresh.yaml:10: export fresh: merge policy 'mp-missing' does not exist"
    )
    assert f"**{broken.actions_summary()}**" not in markdown  # not dressed as a plan to apply
    assert f"#### Actions once the errors are fixed ({broken.actions_summary()})" in markdown
    assert render_plan_markdown(plan).startswith("### aep-exports plan for sandbox `dev`\n\n**Plan: ")


def _broken_plan() -> Plan:
    return make_plan(
        desired(
            DS,
            export(fields="a"),
            export("fresh", merge_policy="mp-missing"),
            export("more", segments=("x",)),
        ),
        _history()[0],
        live(NOW, datasets={"ds-1": live_body(DS)}, merge_policies=frozenset({"mp-1"}),
             segments=frozenset({"seg-a"})),
        NOW,
        context=PlanContext(sandbox="dev"),
    )


def test_text_of_a_plan_with_errors_lists_them_first_and_ends_saying_it_failed() -> None:
    broken = _broken_plan()
    assert len(broken.errors) == 2 and broken.actions
    text = render_plan_text(broken, colour=False)
    lines = text.rstrip("\n").splitlines()
    assert lines[0] == "The plan has 2 errors:"
    assert lines[1].startswith("Error: exports/") and lines[2].startswith("Error: exports/")
    assert lines[-1] == "Plan failed: 2 errors. Nothing can be applied until they are fixed."
    assert "Plan: " not in text and "will perform" not in text  # not dressed as a plan to apply
    assert "Once the errors are fixed, aep-exports would perform the following actions (now " in text
    assert broken.summary_line() == lines[-1]


def test_json_of_a_plan_with_errors_says_it_failed() -> None:
    broken = json.loads(render_plan_json(_broken_plan()))
    assert broken["status"] == "failed" and len(broken["errors"]) == 2
    assert broken["summary"] == "Plan failed: 2 errors. Nothing can be applied until they are fixed."
    fine = json.loads(render_plan_json(_plan(DS, export(fields="a"))))
    assert fine["status"] == "changes" and fine["summary"] == f"Plan: 1 export to change ({TOMORROW})."
    assert json.loads(render_plan_json(_plan(DS, OLD)))["status"] == "no_changes"


def test_an_interrupted_apply_to_resolve_is_a_change_for_plan_as_for_drift() -> None:
    """A read-only plan previews the intents an interrupted apply left (the next apply adopts their jobs
    and may cancel extras): with no action, ``--detailed-exitcode`` still exits 2, as ``drift`` does."""
    line = "export daily: will adopt job 42 (its create answer was lost); will cancel extra job(s) 43"
    plan = _plan(DS, OLD).model_copy(update={"recovery": (line,), "refresh_pending": True})
    assert plan.actions == () and plan.has_changes
    assert plan.summary_line() == "Plan: 1 interrupted apply record to resolve."
    assert "No changes" not in render_plan_text(plan, colour=False)
    assert "No changes" not in render_plan_markdown(plan)


@pytest.mark.parametrize(
    ("top", "reason"),
    [
        ({"labels": {"team": "crm"}}, "labels changed: recorded in state; nothing is sent to the platform"),
        ({"description": "x", "labels": {"t": "1"}}, "description, labels changed: recorded in state"),
        ({"fields": ["identities.id", "a"]}, "export jobs are one-shot, so the next run uses it"),
        ({"labels": {"t": "1"}, "fields": ["a"]}, "export jobs are one-shot, so the next run uses it"),
    ],
)
def test_an_export_change_says_whether_the_platform_will_see_it(top: dict[str, Any], reason: str) -> None:
    """Labels, description and expectations stay with aep-exports: the plan must not say a run sends them."""
    plan = _plan(DS, _with_spec(OLD, **top))
    (action,) = plan.actions
    assert action.kind == "update_export" and reason in action.reason, action.reason
