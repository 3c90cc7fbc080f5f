"""Helpers: a project on the local platform."""

from __future__ import annotations

import textwrap
from pathlib import Path

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

