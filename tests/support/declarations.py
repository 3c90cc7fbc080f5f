"""What the integration tests declare: YAML written with the ids of the local platform's seed catalog."""

from __future__ import annotations

import textwrap

from aep_exports.platform.seeddata.catalog import AAM_SEGMENT_ID, SEED_POLICY_ID

SANDBOX = "dev"
MERGE_POLICY = SEED_POLICY_ID
SEGMENT = AAM_SEGMENT_ID
MISSING_POLICY = "00000000-0000-4000-8000-000000000000"  # on no platform

PLAN_EXPORTS = textwrap.dedent(f"""\
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
"""One dataset and one daily incremental export into it."""

OPS_EXPORTS = textwrap.dedent(f"""\
    datasets:
      target:
        name: Ops test target
        description: written by the ops integration tests
        tags:
          team: [ops]
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
      broken:
        dataset: target
        schedule: manual
        mergePolicy: {{id: {MISSING_POLICY}}}
    """)
"""A tagged dataset, a daily export into it and a manual one naming a merge policy that does not exist."""


def exports_yaml(
    count: int, *, schedule: str = "0 3 * * *", timeout: str | None = None, incremental: bool = True
) -> str:
    """One dataset and ``count`` incremental exports into it (each with its own field list)."""
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
            f"        - segmentId: {SEGMENT}",
            "          segmentNs: AAM",
        ]
        if timeout:
            lines.append(f"    timeout: {timeout}")
    return "\n".join(lines) + "\n"
