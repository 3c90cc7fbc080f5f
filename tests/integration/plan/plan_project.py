"""Helpers: a project on the local platform, and a minimal stand-in for apply that records what it did."""

from __future__ import annotations

import textwrap
from datetime import datetime
from pathlib import Path
from typing import Any

from aep_exports.cli.wiring import open_client, open_state
from aep_exports.config.settings import load_settings
from aep_exports.plan.model import Plan
from aep_exports.state.model import DatasetRecord, RunRecord

MERGE_POLICY = "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2"
SEGMENT = "4edc8488-2c35-4f6d-b4c6-9075c68d2df4"

EXPORTS = textwrap.dedent(f"""\
    datasets:
      target:
        name: Plan test target
        description: written by the plan integration tests
    exports:
      daily:
        dataset: target
        schedule: "0 3 * * *"
        incremental: true
        fields: [identities.id, personalEmail.address]
        mergePolicy: {{id: {MERGE_POLICY}}}
        filter:
          segments:
            - segmentId: {SEGMENT}
              segmentNs: AAM
    """)


def write_project(root: Path, platform: str = "local", exports: str = EXPORTS) -> Path:
    (root / "exports").mkdir(parents=True, exist_ok=True)
    (root / "aep-exports.yaml").write_text(f"platform: {platform}\nsandbox: dev\n")
    (root / "exports" / "main.yaml").write_text(exports)
    return root


def mini_apply(project: Path, plan: Plan, now: datetime, overrides: dict[str, Any] | None = None) -> None:
    """Carry out create_dataset and run_export actions and record them, as apply would."""
    settings = load_settings(project, overrides or {})
    backend = open_state(settings)
    with open_client(settings) as client, backend.lock(timeout=5, command="test-apply"):
        doc = backend.read()
        ids = {key: record.id for key, record in doc.datasets.items()}
        for action in plan.actions:
            if action.kind == "create_dataset":
                ids[action.key] = client.create_dataset(action.body)
                doc.datasets[action.key] = DatasetRecord(id=ids[action.key], spec=action.spec, created_at=now)
            elif action.kind == "run_export":
                job = client.create_export_job(action.resolved_body(ids))
                record = doc.ensure_export(action.key)
                record.spec = action.spec
                record.add_run(
                    RunRecord(
                        job_id=job.id,
                        slot=action.slot,
                        window_from=action.window_from,
                        window_to=action.window_to,
                        status=job.status,
                        created=now,
                        request_digest=action.body_digest,
                    )
                )
            else:
                raise AssertionError(f"mini_apply does not do {action.kind}")
        backend.write(doc, expected_serial=doc.serial)
