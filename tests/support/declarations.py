"""What the integration tests declare: YAML written with the ids of the local platform's seed catalog."""

from __future__ import annotations

import textwrap

from aep_exports.platform.seeddata.catalog import AAM_SEGMENT_ID, SEED_POLICY_ID, UPS_SEGMENT_ID

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


# The seeded store's other segments, and the status filters that tell generated exports apart.
OTHER_SEGMENTS = [
    (UPS_SEGMENT_ID, "ups"),
    ("9a1c3f0e-7b52-4d1e-8c7a-2f6b5e4d3c21", "ups"),
    ("c3d2e1f0-1a2b-4c3d-9e8f-7a6b5c4d3e2f", "ups"),
    ("7f6e5d4c-3b2a-4190-8a7b-6c5d4e3f2a1b", "AAM"),
]
STATUS_SETS = [
    None,
    ["realized"],
    ["existing"],
    ["exited"],
    ["realized", "existing"],
    ["realized", "exited"],
    ["existing", "exited"],
    ["realized", "existing", "exited"],
]


def _segment_lines(index: int) -> list[str]:
    """Export ``index``'s segments: distinct for every index below 7 * 8**4 (always the seed's AAM segment).

    Job records show segments but never ``fields`` (the seed's samples), so exports that differed only in
    their fields would be indistinguishable twins on the platform. The first segment's status is always
    written out: an omitted status means realized + existing, which would make two exports twins.
    """
    rest, first = divmod(index, len(STATUS_SETS) - 1)
    digits = [first + 1]
    for _ in OTHER_SEGMENTS:
        rest, digit = divmod(rest, len(STATUS_SETS))
        digits.append(digit)
    entries = [(SEGMENT, "AAM", STATUS_SETS[digits[0]])]
    entries += [
        (seg, ns, STATUS_SETS[d]) for (seg, ns), d in zip(OTHER_SEGMENTS, digits[1:], strict=True) if d
    ]
    lines = []
    for segment, namespace, status in entries:
        lines += [f"        - segmentId: {segment}", f"          segmentNs: {namespace}"]
        if status is not None:
            lines.append(f"          status: [{', '.join(status)}]")
    return lines


def exports_yaml(
    count: int,
    *,
    schedule: str = "0 3 * * *",
    timeout: str | None = None,
    incremental: bool = True,
    extra: tuple[str, ...] = (),
) -> str:
    """One dataset and ``count`` incremental exports into it (each with its own fields and segments);
    ``extra``: more lines for every export (``retry: {attempts: 2}``)."""
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
            *_segment_lines(index),
        ]
        if timeout:
            lines.append(f"    timeout: {timeout}")
        lines += [f"    {line}" for line in extra]
    return "\n".join(lines) + "\n"
