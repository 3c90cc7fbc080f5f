"""Property test: the engine and the plain-Python reference agree on random stores and requests."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aep_exports.platform.engine import ExportFailed
from aep_exports.platform.store import ProfileStore
from support.engine import columns, engine_batches, export
from support.engine_reference import ReferenceFailed, ReferenceStore, reference_export

IDENTITIES = [("a@x.com", "Email"), ("b@x.com", "Email"), ("111", "ECID"), ("C-1", "CRMID")]
DATASETS = ["d1", "d2", "d3"]
SEGMENTS = ["s1", "s2", "s3"]
# Few distinct instants, so that ties and bounds (strict vs inclusive) are hit often.
TIMES = [f"2024-01-0{day}T0{hour}:00:00Z" for day in (1, 2) for hour in (0, 6)]
FIELD_PATHS = [
    "person",
    "person.name.firstName",
    "person.name",
    "loyalty.points",
    "loyalty",
    "identities",
    "identities.id",
    "identities.namespace.code",
    "tags",
    "tags.x",
    "score",
    "nothing.here",
    "personalEmail.address",
    "person.name.firstName.deeper",
]
EVENT_PATHS = ["environment.browserDetails.name", "environment", "eventType", "web.missing", "commerce.order"]

names = st.sampled_from(["Ann", "Bob", "Cleo", None])
identity_items = st.fixed_dictionaries(
    {"id": st.sampled_from(["i1", "i2"])},
    optional={"namespace": st.fixed_dictionaries({"code": st.sampled_from(["E", "C"])})},
)
# A few attributes are (nearly) always there, so that fragments of one profile conflict often.
xdm = st.fixed_dictionaries(
    {
        "person": st.fixed_dictionaries(
            {"name": st.fixed_dictionaries({"firstName": names}, optional={"lastName": names})}
        ),
        "loyalty": st.fixed_dictionaries(
            {"points": st.integers(-5, 500) | st.none()},
            optional={"tier": st.sampled_from(["gold", "silver"])},
        ),
    },
    optional={
        "identities": st.lists(identity_items, max_size=2),
        "tags": st.lists(st.sampled_from(["t1", "t2"]), max_size=2),
        "score": st.sampled_from([0.5, 1.25, None]),
        "personalEmail": st.fixed_dictionaries({"address": st.sampled_from(["p@x.com", "q@x.com"])}),
    },
)
event_data = st.fixed_dictionaries(
    {},
    optional={
        "eventType": st.sampled_from(["web.pageViews", "commerce.purchases"]),
        "environment": st.fixed_dictionaries(
            {
                "browserDetails": st.fixed_dictionaries(
                    {},
                    optional={
                        "name": st.sampled_from(["Chrome", "Safari"]),
                        "version": st.sampled_from(["1", "2"]),
                    },
                )
            }
        ),
        "commerce": st.fixed_dictionaries(
            {"order": st.fixed_dictionaries({"priceTotal": st.sampled_from([1.5, 20.0])})}
        ),
    },
)


def identity(value: tuple[str, str]) -> dict[str, str]:
    return {"id": value[0], "namespace": value[1]}


fragments = st.builds(
    lambda who, ds, t, data: {
        "type": "fragment",
        "identity": identity(who),
        "datasetId": ds,
        "ingestTime": t,
        "data": data,
    },
    st.sampled_from(IDENTITIES),
    st.sampled_from(DATASETS),
    st.sampled_from(TIMES),
    xdm,
)
events = st.builds(
    lambda who, t, i, data: {
        "type": "event",
        "identity": identity(who),
        "timestamp": t,
        "ingestTime": i,
        "data": data,
    },
    st.sampled_from(IDENTITIES),
    st.sampled_from(TIMES),
    st.sampled_from(TIMES),
    event_data,
)
memberships = st.builds(
    lambda who, seg, ns, status, q: {
        "type": "membership",
        "identity": identity(who),
        "segmentId": seg,
        "segmentNs": ns,
        "status": status,
        "lastQualificationTime": q,
    },
    st.sampled_from(IDENTITIES),
    st.sampled_from(SEGMENTS),
    st.sampled_from(["ups", "AAM"]),
    st.sampled_from(["realized", "existing", "exited"]),
    st.sampled_from([*TIMES, None]),
)

POLICIES = [
    {
        "type": "mergePolicy",
        "id": "p1",
        "version": 1,
        "attributeMerge": {"type": "timestampOrdered"},
        "default": True,
    },
    {
        "type": "mergePolicy",
        "id": "p2",
        "version": 1,
        "attributeMerge": {"type": "dataSetPrecedence", "order": ["d2", "d1"]},
    },
    {
        "type": "mergePolicy",
        "id": "p1",
        "version": 2,
        "attributeMerge": {"type": "dataSetPrecedence", "order": ["d3"]},
        "default": False,
    },
]
DEFINITIONS = [
    {"type": "segment", "id": "s1", "name": "one", "mergePolicyId": "p2"},
    {"type": "segment", "id": "s2", "name": "two", "mergePolicyId": "p1"},
]
# A segment whose own merge policy does not exist (an export relying on it must fail, not fall back).
DANGLING = {"type": "segment", "id": "s3", "name": "three", "mergePolicyId": "p-gone"}

stores = st.builds(
    lambda f, e, m, d, p: [*f, *e, *m, *d, *p],
    st.lists(fragments, min_size=2, max_size=10),
    st.lists(events, min_size=1, max_size=6),
    st.lists(memberships, max_size=10),
    st.sampled_from([DEFINITIONS, DEFINITIONS, [*DEFINITIONS, DANGLING]]),
    st.sampled_from([POLICIES, POLICIES[:2], POLICIES[1:], []]),
)

segment_entries = st.fixed_dictionaries(
    {"segmentId": st.sampled_from(SEGMENTS)},
    optional={
        "segmentNs": st.sampled_from(["ups", "UPS", "AAM"]),
        # [] too: refused by both (it selects nobody and is not the documented default).
        "status": st.lists(st.sampled_from(["realized", "existing", "exited"]), max_size=3),
    },
)
some_time = st.sampled_from([*TIMES, "2024-01-02T03:00:00+02:00"])


def often(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The value three times in four, None otherwise (None keys are dropped from the request)."""
    return st.sampled_from([False, True, True, True]).flatmap(lambda keep: strategy if keep else st.none())


def sometimes(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def body(**parts: Any) -> dict[str, Any]:
    return {key: value for key, value in parts.items() if value is not None and value != {}}


requests = st.builds(
    lambda fields, policy, segments, start, end, since, empty, event_list, per_batch: body(
        fields=fields,
        mergePolicy=policy,
        filter=body(
            segments=segments,
            segmentQualificationTime=body(startTime=start, endTime=end),
            fromIngestTimestamp=since,
            emptyProfiles=empty,
        ),
        additionalFields=None if event_list is None else {"eventList": event_list},
        destination={"datasetId": "ds1", "segmentPerBatch": per_batch},
    ),
    often(st.lists(st.sampled_from(FIELD_PATHS), min_size=1, max_size=3).map(",".join)),
    sometimes(
        st.sampled_from(
            [
                {"id": "p1"},
                {"id": "p1", "version": 1},
                {"id": "p1", "version": 2},
                {"id": "p1", "version": 2.0},
                {"id": "p1", "version": 1.5},
                {"id": "p2"},
                {"id": "p2"},
                {"id": "p2"},
                {"id": "p9"},
                {"id": "p2", "version": 5},
            ]
        )
    ),
    often(st.lists(segment_entries, min_size=1, max_size=2)),
    often(some_time),
    often(some_time),
    sometimes(some_time),
    sometimes(st.booleans()),
    sometimes(
        st.builds(
            lambda fields, since, until: body(
                fields=fields, filter=body(fromIngestTimestamp=since, toIngestTimestamp=until)
            ),
            sometimes(st.lists(st.sampled_from(EVENT_PATHS), min_size=1, max_size=2).map(",".join)),
            often(some_time),
            often(some_time),
        )
    ),
    st.booleans(),
)

counter = itertools.count()


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from aep_exports.platform.engine import runner

    chunk = runner.CHUNK_PROFILES
    runner.CHUNK_PROFILES = 2  # several chunks per export, so chunk boundaries are exercised too
    try:
        with ProfileStore.in_memory() as opened:
            yield opened
    finally:
        runner.CHUNK_PROFILES = chunk


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(records=stores, request=requests)
def test_engine_matches_reference(
    shared_store: ProfileStore, tmp_path: Path, records: list[dict[str, Any]], request: dict[str, Any]
) -> None:
    shared_store.clear()
    shared_store.load_records(records)
    reference = ReferenceStore.from_records(records)
    out = tmp_path / f"run{next(counter)}"
    try:
        expected, expected_columns = reference_export(reference, request)
    except ReferenceFailed as failure:
        with pytest.raises(ExportFailed) as raised:
            export(shared_store, request, out)
        assert raised.value.code == failure.code
        return
    outcome = export(shared_store, request, out)
    assert engine_batches(outcome) == expected
    for batch in outcome.batches:
        if batch.files:
            assert set(columns(batch.files)) == expected_columns
    # Profiles, once each, however many batches (segmentPerBatch) hold them.
    assert outcome.total_exported_profiles == len({who for _, rows in expected for who in rows})
    assert sum(outcome.exported_by_namespace.values()) == outcome.total_exported_profiles
