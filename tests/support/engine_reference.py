"""A plain-Python reference implementation of the export semantics (the engine's oracle).

It reads the same JSON-lines records the store loads and answers an export request with
the batches the engine must write: ``[(segment key or None, {identity: row})]``. Rows are
normalised (nulls and empty objects dropped) the way ``normalise`` treats engine output, so
the two compare with ``==``. Deliberately naive: loops and dicts, no DuckDB, no pyarrow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Identity = tuple[str, str]  # (id, namespace)
PathT = tuple[str, ...]
DEFAULT_STATUS = ["realized", "existing"]
DEFAULT_SEGMENT_NS = "ups"  # segmentation.yaml, Filter.segments[].segmentNs: 'By default, the value is "ups"'
MISSING = object()


class ReferenceFailed(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def utc(text: str | None) -> datetime | None:
    if text is None:
        return None
    value = datetime.fromisoformat(text)
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def strip(value: Any) -> Any:
    """Nulls and empty objects mean "absent" (the load format's rule)."""
    if isinstance(value, dict):
        out = {k: strip(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None and v != {}}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def normalise(value: Any) -> Any:
    """Drop None members and empty objects (but keep list elements as they are, normalised)."""
    if isinstance(value, dict):
        out = {k: normalise(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None and v != {}}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def all_paths(value: Any, prefix: PathT = ()) -> set[PathT]:
    """Every path present in a document, going through arrays without an index."""
    found: set[PathT] = set()
    if isinstance(value, dict):
        for key, child in value.items():
            found.add((*prefix, key))
            found |= all_paths(child, (*prefix, key))
    elif isinstance(value, list):
        for child in value:
            found |= all_paths(child, prefix)
    return found


@dataclass
class ReferenceStore:
    fragments: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    memberships: dict[tuple[Identity, str, str], dict[str, Any]] = field(default_factory=dict)
    segments: dict[str, dict[str, Any]] = field(default_factory=dict)
    policies: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    identities: set[Identity] = field(default_factory=set)

    @classmethod
    def from_records(cls, records: list[dict[str, Any]]) -> ReferenceStore:
        store = cls()
        for seq, record in enumerate(records):
            kind = record["type"]
            if kind in ("fragment", "event", "membership"):
                identity = (record["identity"]["id"], record["identity"]["namespace"])
                store.identities.add(identity)
            if kind == "fragment":
                store.fragments.append(
                    {
                        "identity": identity,
                        "dataset": record["datasetId"],
                        "ingest": utc(record["ingestTime"]),
                        "seq": seq,
                        "data": strip(record.get("data", {})),
                    }
                )
            elif kind == "event":
                store.events.append(
                    {
                        "identity": identity,
                        "ts": utc(record["timestamp"]),
                        "ingest": utc(record["ingestTime"]),
                        "seq": seq,
                        "data": strip(record.get("data", {})),
                    }
                )
            elif kind == "membership":
                ns = record.get("segmentNs", "ups")
                store.memberships[(identity, record["segmentId"], ns.lower())] = {
                    "status": record["status"],
                    "qual": utc(record.get("lastQualificationTime")),
                }
            elif kind == "segment":
                store.segments[record["id"]] = record
            elif kind == "mergePolicy":
                doc = {"version": 1, "default": False, **record}
                if doc["default"]:
                    for key, other in store.policies.items():
                        if key[0] != doc["id"]:
                            other["default"] = False
                store.policies[(doc["id"], doc["version"])] = doc
        return store

    def index(self) -> None:
        """Group records by identity once (keeps the reference linear, not quadratic)."""
        self.fragments_of: dict[Identity, list[dict[str, Any]]] = {}
        self.events_of: dict[Identity, list[dict[str, Any]]] = {}
        self.memberships_of: dict[Identity, list[tuple[str, str, dict[str, Any]]]] = {}
        for fragment in self.fragments:
            self.fragments_of.setdefault(fragment["identity"], []).append(fragment)
        for event in self.events:
            self.events_of.setdefault(event["identity"], []).append(event)
        for (who, segment_id, ns), membership in self.memberships.items():
            self.memberships_of.setdefault(who, []).append((segment_id, ns, membership))

    def policy(self, policy_id: str, version: int | None) -> dict[str, Any] | None:
        versions = sorted(v for (i, v) in self.policies if i == policy_id)
        if not versions:
            return None
        if version is None:
            return self.policies[(policy_id, versions[-1])]
        return self.policies.get((policy_id, version))

    def default_policy(self) -> dict[str, Any] | None:
        for policy_id in sorted({i for i, _ in self.policies}):
            latest = self.policy(policy_id, None)
            if latest and latest["default"] is True:
                return latest
        return None


def flatten(value: dict[str, Any], prefix: PathT = ()) -> dict[PathT, Any]:
    """Merge attributes: objects are walked, arrays and scalars are leaves."""
    out: dict[PathT, Any] = {}
    for key, child in value.items():
        if isinstance(child, dict):
            out.update(flatten(child, (*prefix, key)))
        elif child is not None:
            out[(*prefix, key)] = child
    return out


def unflatten(leaves: dict[PathT, Any]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for path, value in leaves.items():
        node = root
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return root


def project(
    value: dict[str, Any], paths: list[PathT] | None, known: set[PathT], prefix: PathT = ()
) -> dict[str, Any]:
    """Keep the requested paths; through arrays, project each element; unknown paths vanish."""
    if paths is None:
        return value
    grouped: dict[str, list[PathT]] = {}
    for path in paths:
        grouped.setdefault(path[0], []).append(path[1:])
    out: dict[str, Any] = {}
    for key, rests in grouped.items():
        if key in value:
            kept = _project_node(value[key], rests, known, (*prefix, key))
            if kept is not MISSING:
                out[key] = kept
    return out


def _project_node(value: Any, rests: list[PathT], known: set[PathT], where: PathT) -> Any:
    if any(rest == () for rest in rests):
        return value
    live = [rest for rest in rests if (*where, *rest) in known]
    if not live:
        return MISSING
    if isinstance(value, dict):
        return project(value, live, known, where)
    if isinstance(value, list):
        return [_project_list_item(item, live, known, where) for item in value]
    return MISSING


def _project_list_item(item: Any, rests: list[PathT], known: set[PathT], where: PathT) -> Any:
    if isinstance(item, dict):
        return project(item, rests, known, where)
    if isinstance(item, list):
        return [_project_list_item(x, rests, known, where) for x in item]
    return None


def parse_fields(value: str | None) -> list[PathT] | None:
    if value is None:
        return None
    paths = [tuple(p.strip() for p in item.strip().split(".")) for item in value.split(",") if item.strip()]
    return paths or None


def _resolve_policy(store: ReferenceStore, request: dict[str, Any]) -> dict[str, Any] | None:
    """The request's policy; omitted: the (first) segment's own policy, else the default."""
    ref = request.get("mergePolicy")
    if ref:
        version = ref.get("version")
        if version is not None and (isinstance(version, bool) or float(version) != int(version)):
            raise ReferenceFailed("INVALID_REQUEST")  # a version counts updates: a whole number
        policy = store.policy(ref["id"], None if version is None else int(version))
        if policy is None:
            raise ReferenceFailed("MERGE_POLICY_NOT_FOUND")
        return policy
    for segment in (request.get("filter") or {}).get("segments") or []:
        definition = store.segments.get(segment["segmentId"])
        if definition and isinstance(definition.get("mergePolicyId"), str):
            policy = store.policy(definition["mergePolicyId"], None)
            if policy is None:
                raise ReferenceFailed("MERGE_POLICY_NOT_FOUND")  # the segment's own policy is gone
            return policy
    return store.default_policy()


def merged_datasets(policy: dict[str, Any] | None) -> list[str] | None:
    """Dataset precedence merges only the datasets it lists ("Any datasets not included in the list
    will not be merged"); other policies merge every dataset (None)."""
    merge = (policy or {}).get("attributeMerge") or {}
    return list(merge.get("order") or []) if merge.get("type") == "dataSetPrecedence" else None


def records_of(fragments: list[dict[str, Any]], policy: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A profile's record under ``policy``: its fragments in the datasets the policy merges."""
    datasets = merged_datasets(policy)
    return [f for f in fragments if datasets is None or f["dataset"] in datasets]


def _merge(fragments: list[dict[str, Any]], policy: dict[str, Any] | None) -> dict[str, Any]:
    order = merged_datasets(policy) or []
    fragments = records_of(fragments, policy)

    def rank(fragment: dict[str, Any]) -> tuple[int, datetime, int]:
        position = order.index(fragment["dataset"]) if fragment["dataset"] in order else 0
        return (-position, fragment["ingest"], fragment["seq"])

    winners: dict[PathT, tuple[tuple[int, datetime, int], Any]] = {}
    for fragment in fragments:
        key = rank(fragment)
        for path, value in flatten(fragment["data"]).items():
            if path not in winners or key > winners[path][0]:
                winners[path] = (key, value)
    return unflatten({path: value for path, (_, value) in winners.items()})


def _member(
    store: ReferenceStore, identity: Identity, segment: dict[str, Any], window: dict[str, Any]
) -> bool:
    start, end = utc(window.get("startTime")), utc(window.get("endTime"))
    statuses = segment.get("status", DEFAULT_STATUS)
    namespace = (segment.get("segmentNs") or DEFAULT_SEGMENT_NS).lower()
    for segment_id, ns, membership in store.memberships_of.get(identity, []):
        if segment_id != segment["segmentId"]:
            continue
        if ns != namespace:
            continue
        if membership["status"] not in statuses:
            continue
        qual = membership["qual"]
        if start is not None and (qual is None or qual < start):
            continue
        if end is not None and (qual is None or qual >= end):
            continue
        return True
    return False


def reference_export(store: ReferenceStore, request: dict[str, Any]) -> tuple[list[Any], set[str]]:
    """(batches as [(segment key, {identity: row})], the set of output columns)."""
    filters = request.get("filter") or {}
    segments = filters.get("segments") or []
    if any(s.get("status") == [] for s in segments):
        raise ReferenceFailed("INVALID_REQUEST")  # selects nobody; not the documented default
    policy = _resolve_policy(store, request)
    store.index()
    window = filters.get("segmentQualificationTime") or {}
    from_ingest = utc(filters.get("fromIngestTimestamp"))
    empty_ok = filters.get("emptyProfiles", False)
    per_batch = (request.get("destination") or {}).get("segmentPerBatch", False)
    fields = parse_fields(request.get("fields"))
    known = set().union(*(all_paths(f["data"]) for f in store.fragments))
    event_known = set().union(*(all_paths(e["data"]) for e in store.events))
    event_spec = (request.get("additionalFields") or {}).get("eventList")

    def profile_ok(identity: Identity) -> bool:
        record = records_of(store.fragments_of.get(identity, []), policy)
        events = store.events_of.get(identity, [])
        # No record: an "empty profile" if it has events (only with emptyProfiles); else no profile.
        if not record and not (empty_ok and events):
            return False
        if from_ingest is not None:
            times = [f["ingest"] for f in record] or [e["ingest"] for e in events]
            if max(times) <= from_ingest:
                return False
        return True

    def row(identity: Identity) -> dict[str, Any]:
        merged = _merge(store.fragments_of.get(identity, []), policy)
        out: dict[str, Any] = {"identityMap": {identity[1]: [{"id": identity[0], "primary": True}]}}
        out.update(project(merged, fields, known))
        if event_spec is not None:
            event_filter = event_spec.get("filter") or {}
            low = utc(event_filter.get("fromIngestTimestamp")) or from_ingest
            high = utc(event_filter.get("toIngestTimestamp"))
            event_fields = parse_fields(event_spec.get("fields"))
            chosen = sorted(
                (
                    e
                    for e in store.events_of.get(identity, [])
                    if (low is None or e["ingest"] > low) and (high is None or e["ingest"] <= high)
                ),
                key=lambda e: (e["ts"], e["seq"]),
            )
            out["eventList"] = [
                {
                    "timestamp": e["ts"],
                    **project(
                        {k: v for k, v in e["data"].items() if k != "timestamp"}, event_fields, event_known
                    ),
                }
                for e in chosen
            ]
        result: dict[str, Any] = normalise(out)
        return result

    groups = [[s] for s in segments] if per_batch and segments else [segments]
    batches = []
    for group in groups:
        rows = {}
        for identity in sorted(store.identities):
            if not profile_ok(identity):
                continue
            if group and not any(_member(store, identity, s, window) for s in group):
                continue
            rows[identity] = row(identity)
        key = None
        if per_batch and group:
            s = group[0]
            key = (s["segmentId"], s.get("segmentNs"), list(dict.fromkeys(s.get("status", DEFAULT_STATUS))))
        batches.append((key, rows))
    columns = {"identityMap"} | {
        key for key in project(unflatten({p: 1 for p in known if _is_leafish(p, known)}), fields, known)
    }
    if event_spec is not None:
        columns.add("eventList")
    return batches, columns


def _is_leafish(path: PathT, known: set[PathT]) -> bool:
    return not any(len(other) > len(path) and other[: len(path)] == path for other in known)
