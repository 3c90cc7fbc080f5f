"""Export declarations of every shape the identity promise must hold for, as YAML and as hypothesis data.

A shape is what a job record may (or may not) show of an export: with or without segments (and their
namespace and status), each other filter key alone, incremental or not, ``segmentPerBatch``, a merge
policy with or without version. Two datasets receive them, so several exports share one dataset, and
*twins* (two keys declaring the very same export) are indistinguishable on the platform.
``MIXED`` is a fixed mix for the crash tests and the soak runs; ``export_sets()`` draws sets for
property tests.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hypothesis import strategies as st

from aep_exports.platform.seeddata.catalog import UPS_SEGMENT_ID
from support.declarations import MERGE_POLICY, SEGMENT

DATASETS = ("alpha", "beta")
FILTER_KEYS = ("segments", "emptyProfiles", "segmentQualificationTime", "fromIngestTimestamp", "none")
POLICIES = ("none", "id", "id+version")
# (segmentId, segmentNs or None, status or None): what one filter.segments entry declares.
Segment = tuple[str, str | None, tuple[str, ...] | None]
SEGMENT_CHOICES: tuple[Segment, ...] = (
    (SEGMENT, "AAM", None),
    (SEGMENT, "AAM", ("realized",)),
    (UPS_SEGMENT_ID, None, None),
    (UPS_SEGMENT_ID, "ups", ("existing", "exited")),
)


@dataclass(frozen=True)
class ExportShape:
    """One declared export; ``key`` is its name, the rest its shape."""

    key: str
    dataset: str = "alpha"
    filter_key: str = "none"  # the one filter key set (besides an incremental's window)
    segments: tuple[Segment, ...] = ()  # when filter_key == "segments"
    incremental: bool = False
    per_batch: bool | None = None
    policy: str = "none"
    fields: str | None = None

    def twin(self, key: str) -> ExportShape:
        """The same export under another key: the platform cannot tell their jobs apart."""
        return replace(self, key=key)

    def describe(self) -> str:
        what = self.filter_key if self.filter_key != "segments" else f"{len(self.segments)} seg"
        parts = [self.dataset, what]
        parts += ["incr"] if self.incremental else []
        parts += [f"perBatch={self.per_batch}"] if self.per_batch is not None else []
        parts += [f"mp={self.policy}"] if self.policy != "none" else []
        return f"{self.key}({', '.join(parts)})"


def _export_lines(shape: ExportShape, schedule: str, timeout: str | None) -> list[str]:
    lines = [f"  {shape.key}:", f"    dataset: {shape.dataset}", f'    schedule: "{schedule}"']
    if shape.incremental:
        lines.append("    incremental: true")
    if timeout:
        lines.append(f"    timeout: {timeout}")
    if shape.fields:
        lines.append(f"    fields: [{shape.fields}]")
    if shape.policy != "none":
        version = ", version: 1" if shape.policy == "id+version" else ""
        lines.append(f"    mergePolicy: {{id: {MERGE_POLICY}{version}}}")
    if shape.filter_key == "segments":
        lines += ["    filter:", "      segments:"]
        for segment_id, namespace, status in shape.segments:
            lines.append(f"        - segmentId: {segment_id}")
            if namespace:
                lines.append(f"          segmentNs: {namespace}")
            if status:
                lines.append(f"          status: [{', '.join(status)}]")
    elif shape.filter_key == "emptyProfiles":
        lines += ["    filter:", "      emptyProfiles: true"]
    elif shape.filter_key == "segmentQualificationTime":
        lines += [
            "    filter:",
            "      segmentQualificationTime:",
            "        startTime: 2024-01-01T00:00:00Z",
            "        endTime: 2024-02-01T00:00:00Z",
        ]
    elif shape.filter_key == "fromIngestTimestamp" and not shape.incremental:
        lines += ["    filter:", "      fromIngestTimestamp: 2024-01-01T00:00:00Z"]
    if shape.per_batch is not None:
        lines += ["    destination:", f"      segmentPerBatch: {'true' if shape.per_batch else 'false'}"]
    return lines


def shapes_yaml(shapes: list[ExportShape], *, schedule: str = "0 3 * * *", timeout: str | None = None) -> str:
    """Both datasets and the exports of ``shapes``."""
    lines = ["datasets:"]
    for name in DATASETS:
        lines += [f"  {name}:", f"    name: Shapes {name}"]
    lines.append("exports:")
    for shape in shapes:
        lines += _export_lines(shape, schedule, timeout)
    return "\n".join(lines) + "\n"


MIXED: list[ExportShape] = [
    ExportShape("incr-all", incremental=True),  # incremental without segments
    ExportShape("incr-all-twin", incremental=True),  # its twin
    ExportShape("empty-only", filter_key="emptyProfiles"),
    ExportShape("seg-ns", filter_key="segments", segments=(SEGMENT_CHOICES[1],), policy="id+version"),
    ExportShape(
        "seg-per-batch",
        dataset="beta",
        filter_key="segments",
        segments=(SEGMENT_CHOICES[0], SEGMENT_CHOICES[3]),
        per_batch=True,
        incremental=True,
    ),
    ExportShape("qualified", dataset="beta", filter_key="segmentQualificationTime", policy="id"),
    ExportShape("since", dataset="beta", filter_key="fromIngestTimestamp", fields="identities.id"),
    ExportShape("seg-bare", "beta", filter_key="segments", segments=SEGMENT_CHOICES[2:3], policy="id"),
]
"""A fixed mix of shapes: incremental without segments and its twin, each filter key alone, segments with
and without namespace/status, segmentPerBatch, merge policy with and without version, two datasets."""


SHOWCASE: list[ExportShape] = [
    ExportShape("removed", incremental=True),  # no merge policy, no segments; removed to get a job cancelled
    ExportShape("per-batch", "beta", filter_key="segments", segments=SEGMENT_CHOICES[1:4:2], per_batch=True,
                policy="id"),
    ExportShape("plain", filter_key="segments", segments=SEGMENT_CHOICES[:1], per_batch=False),
]
"""Exports whose jobs show every contract variant a read-only visit can see (``doctor``): a segment-per-batch
job and a plain one with segments, a job created without a merge policy; drop the first and apply again to
have a job cancelled by aep-exports."""


def mixed(count: int) -> list[ExportShape]:
    """``count`` exports cycling through ``MIXED`` (numbered keys; the twins stay twins)."""
    return [replace(MIXED[i % len(MIXED)], key=f"{MIXED[i % len(MIXED)].key}-{i // len(MIXED)}")
            for i in range(count)]


def _ns_key(segment: Segment) -> tuple[str, str | None]:
    return segment[0], segment[1]


@st.composite
def export_shapes(draw: st.DrawFn, key: str) -> ExportShape:
    """One export of any shape."""
    filter_key = draw(st.sampled_from(FILTER_KEYS))
    segments = (
        tuple(draw(st.lists(st.sampled_from(SEGMENT_CHOICES), min_size=1, max_size=2, unique_by=_ns_key)))
        if filter_key == "segments"
        else ()
    )
    return ExportShape(
        key=key,
        dataset=draw(st.sampled_from(DATASETS)),
        filter_key=filter_key,
        segments=segments,
        incremental=draw(st.booleans()) and filter_key != "fromIngestTimestamp",
        per_batch=draw(st.sampled_from((None, False, True))),
        policy=draw(st.sampled_from(POLICIES)),
        fields=draw(st.sampled_from((None, "identities.id", "personalEmail.address"))),
    )


@st.composite
def export_sets(draw: st.DrawFn, max_exports: int = 4) -> list[ExportShape]:
    """One to ``max_exports`` exports; each new one may be a twin of an earlier one."""
    shapes: list[ExportShape] = []
    for index in range(draw(st.integers(1, max_exports))):
        key = f"e{index}"
        if shapes and draw(st.integers(0, 3)) == 0:
            shapes.append(draw(st.sampled_from(shapes)).twin(key))
        else:
            shapes.append(draw(export_shapes(key)))
    return shapes
