"""Plans and drift as JSON for machines (a plan's JSON is exactly the saved plan)."""

from __future__ import annotations

import json

from aep_exports.errors import AepExportsError
from aep_exports.plan.drift import drift_report
from aep_exports.plan.model import PLAN_FORMAT_VERSION, Plan, failed_summary
from aep_exports.render.machine import versioned


def render_error_json(error: AepExportsError) -> str:
    """What ``plan --format json`` prints when no plan could be made (bad configuration, unreachable
    platform, unreadable state): the saved plan's ``format_version`` and ``errors`` keys, and no actions."""
    data = {
        "format_version": PLAN_FORMAT_VERSION,
        "status": "failed",
        "summary": failed_summary(1),
        "errors": [{"message": error.format_message(), "hint": error.hint, "kind": type(error).__name__}],
        "exit_code": int(error.exit_code),
        "actions": [],
    }
    return json.dumps(data, indent=2) + "\n"


def render_plan_json(plan: Plan) -> str:
    """The saved-plan JSON."""
    return plan.to_json() + "\n"


def render_drift_json(plan: Plan) -> str:
    """``{"status", "exit_code", "out_of_band", "pending", "info", "errors", "warnings"}``."""
    report = drift_report(plan)
    data = versioned({
        "status": report.status,
        "exit_code": report.exit_code,
        "sandbox": plan.sandbox,
        "now": plan.now.isoformat(),
        **{
            name: [f.model_dump(mode="json") for f in findings]
            for name, findings in (
                ("out_of_band", report.out_of_band),
                ("pending", report.pending),
                ("info", report.info),
            )
        },
        "errors": [e.text() for e in plan.errors],
        "warnings": [w.text() for w in plan.warnings],
    })
    return json.dumps(data, indent=2) + "\n"
