"""Hand-written export scenarios: one per filter, with the edge cases of issue 4."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aep_exports.platform.engine import ExportFailed
from aep_exports.platform.seeddata import generate
from aep_exports.platform.store import ProfileStore
from support.engine import columns, export, identity_of, read_rows


def who(name: str, namespace: str = "Email") -> dict[str, str]:
    return {"id": name, "namespace": namespace}


def fragment(
    name: str, dataset: str, ingest: str, data: dict[str, Any], namespace: str = "Email"
) -> dict[str, Any]:
    return {
        "type": "fragment",
        "identity": who(name, namespace),
        "datasetId": dataset,
        "ingestTime": ingest,
        "data": data,
    }


def member(name: str, segment: str, status: str, qualified: str, namespace: str = "ups") -> dict[str, Any]:
    return {
        "type": "membership",
        "identity": who(name),
        "segmentId": segment,
        "segmentNs": namespace,
        "status": status,
        "lastQualificationTime": qualified,
    }


def event(name: str, ts: str, ingest: str, browser: str, namespace: str = "Email") -> dict[str, Any]:
    return {
        "type": "event",
        "identity": who(name, namespace),
        "timestamp": ts,
        "ingestTime": ingest,
        "data": {
            "eventType": "web.pageViews",
            "environment": {"browserDetails": {"name": browser, "version": "1"}},
            "web": {"webPageDetails": {"name": "home"}},
        },
    }


RECORDS = [
    fragment(
        "ann",
        "crm",
        "2024-01-01T00:00:00Z",
        {
            "person": {"name": {"firstName": "Ann", "lastName": "Lee"}},
            "personalEmail": {"address": "ann@x.com"},
            "identities": [
                {"id": "ann", "namespace": {"code": "Email"}},
                {"id": "A1", "namespace": {"code": "CRMID"}},
            ],
            "homeAddress": {"city": "Paris"},
        },
    ),
    fragment(
        "ann", "loyalty", "2024-01-03T00:00:00Z", {"loyalty": {"points": 10}, "homeAddress": {"city": "Lyon"}}
    ),
    fragment("bob", "crm", "2024-01-02T00:00:00Z", {"person": {"name": {"firstName": "Bob"}}}),
    fragment("cid", "crm", "2024-01-05T00:00:00Z", {"personalEmail": {"address": "cid@x.com"}}),
    event("ann", "2024-01-01T10:00:00Z", "2024-01-01T10:05:00Z", "Chrome"),
    event("ann", "2024-01-02T10:00:00Z", "2024-01-04T00:00:00Z", "Safari"),
    event("eve", "2024-01-03T10:00:00Z", "2024-01-03T10:01:00Z", "Firefox", "ECID"),
    member("ann", "seg-a", "realized", "2024-02-01T00:00:00Z", "AAM"),
    member("bob", "seg-a", "existing", "2024-02-02T00:00:00Z", "AAM"),
    member("cid", "seg-a", "exited", "2024-02-03T00:00:00Z", "AAM"),
    member("bob", "seg-b", "exited", "2024-02-01T12:00:00Z"),
    # A membership without any fragment or event: no profile at all, never exported.
    member("zed", "seg-b", "exited", "2024-02-01T12:00:00Z"),
    {"type": "segment", "id": "seg-a", "name": "A", "namespace": "AAM", "mergePolicyId": "loyalty-first"},
    {"type": "segment", "id": "seg-c", "name": "C", "mergePolicyId": "deleted-policy"},
    {"type": "mergePolicy", "id": "newest", "attributeMerge": {"type": "timestampOrdered"}, "default": True},
    {
        "type": "mergePolicy",
        "id": "crm-first",
        "attributeMerge": {"type": "dataSetPrecedence", "order": ["crm"]},
    },
    {
        "type": "mergePolicy",
        "id": "crm-first",
        "version": 2,
        "attributeMerge": {"type": "dataSetPrecedence", "order": ["loyalty", "crm"]},
    },
    {
        "type": "mergePolicy",
        "id": "loyalty-first",
        "attributeMerge": {"type": "dataSetPrecedence", "order": ["loyalty"]},
    },
]


@pytest.fixture
def loaded(store: ProfileStore) -> ProfileStore:
    store.load_records(RECORDS)
    return store


def run(
    store: ProfileStore, tmp_path: Path, request: dict[str, Any], **kwargs: Any
) -> list[list[dict[str, Any]]]:
    outcome = export(store, request, tmp_path / "out", **kwargs)
    return [read_rows(batch.files) for batch in outcome.batches]


def names(rows: list[dict[str, Any]]) -> list[str]:
    return [identity_of(row)[0] for row in rows]


def test_no_filter_exports_every_profile_with_attributes(loaded: ProfileStore, tmp_path: Path) -> None:
    (rows,) = run(loaded, tmp_path, {})
    assert sorted(names(rows)) == ["ann", "bob", "cid"]


def test_empty_profiles_both_ways(loaded: ProfileStore, tmp_path: Path) -> None:
    (without,) = run(loaded, tmp_path / "a", {"filter": {"emptyProfiles": False}})
    (with_empty,) = run(loaded, tmp_path / "b", {"filter": {"emptyProfiles": True}})
    assert "eve" not in names(without)
    assert sorted(names(with_empty)) == ["ann", "bob", "cid", "eve"]
    eve = next(row for row in with_empty if identity_of(row)[0] == "eve")
    assert eve["identityMap"] == {"ECID": [{"id": "eve", "primary": True}]}
    assert eve["person"] is None


def test_fields_hold_exactly_the_requested_columns(loaded: ProfileStore, tmp_path: Path) -> None:
    outcome = export(loaded, {"fields": "personalEmail.address,nothing.there"}, tmp_path)
    (batch,) = outcome.batches
    assert columns(batch.files) == ["identityMap", "personalEmail"]
    rows = {identity_of(r)[0]: r for r in read_rows(batch.files)}
    assert rows["ann"]["personalEmail"] == {"address": "ann@x.com"}
    assert rows["bob"]["personalEmail"] is None


def test_field_path_into_an_array_projects_every_element(loaded: ProfileStore, tmp_path: Path) -> None:
    (rows,) = run(loaded, tmp_path, {"fields": "identities.id,person.name.firstName"})
    ann = next(row for row in rows if identity_of(row)[0] == "ann")
    assert ann["identities"] == [{"id": "ann"}, {"id": "A1"}]
    assert ann["person"] == {"name": {"firstName": "Ann"}}


def test_timestamp_ordered_newest_value_wins_per_attribute(loaded: ProfileStore, tmp_path: Path) -> None:
    (rows,) = run(
        loaded, tmp_path, {"fields": "homeAddress.city,person.name", "mergePolicy": {"id": "newest"}}
    )
    ann = next(row for row in rows if identity_of(row)[0] == "ann")
    assert ann["homeAddress"] == {"city": "Lyon"}
    assert ann["person"] == {"name": {"firstName": "Ann", "lastName": "Lee"}}  # other attributes survive


def test_dataset_precedence_and_versions(loaded: ProfileStore, tmp_path: Path) -> None:
    def city(policy: dict[str, Any], where: str) -> str:
        (rows,) = run(loaded, tmp_path / where, {"fields": "homeAddress.city", "mergePolicy": policy})
        return next(r for r in rows if identity_of(r)[0] == "ann")["homeAddress"]["city"]

    assert city({"id": "crm-first", "version": 1}, "v1") == "Paris"
    assert city({"id": "crm-first"}, "latest") == "Lyon"  # version omitted: the latest (2)


def test_dataset_precedence_merges_only_the_listed_datasets(loaded: ProfileStore, tmp_path: Path) -> None:
    # Merge policies guide: "Any datasets not included in the list will not be merged."
    (rows,) = run(
        loaded, tmp_path / "a", {"fields": "loyalty,homeAddress", "mergePolicy": {"id": "crm-first"}}
    )
    ann = next(r for r in rows if identity_of(r)[0] == "ann")
    assert ann["homeAddress"] == {"city": "Lyon"} and ann["loyalty"] == {"points": 10}  # v2 lists both
    (rows,) = run(
        loaded,
        tmp_path / "b",
        {"fields": "loyalty,homeAddress", "mergePolicy": {"id": "crm-first", "version": 1}},
    )
    ann = next(r for r in rows if identity_of(r)[0] == "ann")
    assert ann["homeAddress"] == {"city": "Paris"} and ann["loyalty"] is None  # loyalty is not listed
    # Only ann has a loyalty fragment: bob and cid have no record under this policy and no events.
    (rows,) = run(loaded, tmp_path / "c", {"mergePolicy": {"id": "loyalty-first"}})
    assert names(rows) == ["ann"]
    (rows,) = run(
        loaded, tmp_path / "d", {"mergePolicy": {"id": "loyalty-first"}, "filter": {"emptyProfiles": True}}
    )
    assert sorted(names(rows)) == ["ann", "eve"]  # eve: events only, an empty profile


def test_from_ingest_timestamp_looks_at_the_merged_datasets_only(
    loaded: ProfileStore, tmp_path: Path
) -> None:
    since = {"fromIngestTimestamp": "2024-01-02T00:00:00Z"}
    (rows,) = run(loaded, tmp_path / "a", {"mergePolicy": {"id": "newest"}, "filter": since})
    assert "ann" in names(rows)  # her loyalty fragment is newer than the bound
    (rows,) = run(loaded, tmp_path / "b", {"mergePolicy": {"id": "crm-first", "version": 1}, "filter": since})
    assert names(rows) == ["cid"]  # ann's crm fragment is older; her loyalty one is not merged


def test_version_is_a_whole_number_written_either_way(loaded: ProfileStore, tmp_path: Path) -> None:
    one = export(loaded, {"mergePolicy": {"id": "crm-first", "version": 1}}, tmp_path / "a")
    one_point_zero = export(loaded, {"mergePolicy": {"id": "crm-first", "version": 1.0}}, tmp_path / "b")
    assert one.merge_policy == one_point_zero.merge_policy and one.merge_policy is not None
    assert one.merge_policy["version"] == 1


def test_policy_omitted_uses_the_segment_policy_then_the_default(
    loaded: ProfileStore, tmp_path: Path
) -> None:
    outcome = export(loaded, {"filter": {"segments": [{"segmentId": "seg-a"}]}}, tmp_path / "a")
    assert outcome.merge_policy is not None and outcome.merge_policy["id"] == "loyalty-first"
    outcome = export(loaded, {"filter": {"segments": [{"segmentId": "seg-b"}]}}, tmp_path / "b")
    assert outcome.merge_policy is not None and outcome.merge_policy["id"] == "newest"


@pytest.mark.parametrize("policy", [{"id": "missing"}, {"id": "crm-first", "version": 7}])
def test_unknown_merge_policy_fails_the_job(
    loaded: ProfileStore, tmp_path: Path, policy: dict[str, Any]
) -> None:
    with pytest.raises(ExportFailed) as failure:
        export(loaded, {"mergePolicy": policy}, tmp_path)
    assert failure.value.code == "MERGE_POLICY_NOT_FOUND"
    assert policy["id"] in failure.value.msg
    assert not (tmp_path / "0").exists()


NEWEST = {"id": "newest"}  # every dataset merged: segment tests select profiles, not merge them


def test_segment_status_defaults_to_realized_and_existing(loaded: ProfileStore, tmp_path: Path) -> None:
    request = {"mergePolicy": NEWEST, "filter": {"segments": [{"segmentId": "seg-a", "segmentNs": "aam"}]}}
    (rows,) = run(loaded, tmp_path, request)
    assert sorted(names(rows)) == ["ann", "bob"]


def test_status_exited_only(loaded: ProfileStore, tmp_path: Path) -> None:
    segment = {"segmentId": "seg-a", "segmentNs": "AAM", "status": ["exited"]}
    (rows,) = run(loaded, tmp_path, {"mergePolicy": NEWEST, "filter": {"segments": [segment]}})
    assert names(rows) == ["cid"]


def test_segment_namespace_must_match(loaded: ProfileStore, tmp_path: Path) -> None:
    outcome = export(loaded, {"filter": {"segments": [{"segmentId": "seg-a", "segmentNs": "ups"}]}}, tmp_path)
    assert outcome.total_exported_profiles == 0
    assert outcome.batches[0].files == []


def test_segment_namespace_omitted_is_ups(loaded: ProfileStore, tmp_path: Path) -> None:
    # segmentation.yaml: segmentNs "By default, the value is 'ups'" - seg-a's members are in AAM.
    outcome = export(
        loaded, {"mergePolicy": NEWEST, "filter": {"segments": [{"segmentId": "seg-a"}]}}, tmp_path
    )
    assert outcome.total_exported_profiles == 0
    seg_b = {"segmentId": "seg-b", "status": ["exited"]}  # bob's membership is in ups
    (rows,) = run(loaded, tmp_path, {"mergePolicy": NEWEST, "filter": {"segments": [seg_b]}})
    assert names(rows) == ["bob"]  # zed is a member too, but has no profile


def test_qualification_window_bounds(loaded: ProfileStore, tmp_path: Path) -> None:
    window = {"startTime": "2024-02-02T00:00:00Z", "endTime": "2024-02-03T00:00:00Z"}  # [start, end)
    request = {
        "filter": {
            "segments": [
                {"segmentId": "seg-a", "segmentNs": "AAM", "status": ["realized", "existing", "exited"]}
            ],
            "segmentQualificationTime": window,
        },
        "mergePolicy": NEWEST,
    }
    (rows,) = run(loaded, tmp_path, request)
    assert names(rows) == ["bob"]


def test_qualification_window_excluding_everything(loaded: ProfileStore, tmp_path: Path) -> None:
    request = {
        "filter": {
            "segments": [{"segmentId": "seg-a"}, {"segmentId": "seg-b", "status": ["exited"]}],
            "segmentQualificationTime": {"startTime": "2030-01-01T00:00:00Z"},
        },
        "destination": {"datasetId": "ds1", "segmentPerBatch": True},
    }
    outcome = export(loaded, request, tmp_path)
    assert [b.record_count for b in outcome.batches] == [0, 0]
    assert outcome.total_exported_profiles == 0 and outcome.exported_by_namespace == {}


def test_from_ingest_timestamp_is_strict_and_uses_the_newest_fragment(
    loaded: ProfileStore, tmp_path: Path
) -> None:
    (rows,) = run(loaded, tmp_path / "a", {"filter": {"fromIngestTimestamp": "2024-01-02T00:00:00Z"}})
    assert sorted(names(rows)) == ["ann", "cid"]  # bob was updated exactly at the bound
    (rows,) = run(loaded, tmp_path / "b", {"filter": {"fromIngestTimestamp": "2024-01-03T01:00:00+01:00"}})
    assert sorted(names(rows)) == ["cid"]  # ann's newest fragment is 2024-01-03T00:00Z == the bound


def test_event_list_filtered_by_ingest_time(loaded: ProfileStore, tmp_path: Path) -> None:
    request = {
        "fields": "person.name.firstName",
        "additionalFields": {
            "eventList": {
                "fields": "environment.browserDetails.name",
                "filter": {"fromIngestTimestamp": "2024-01-02T00:00:00Z"},
            }
        },
    }
    outcome = export(loaded, request, tmp_path / "a")
    assert columns(outcome.batches[0].files) == ["identityMap", "person", "eventList"]
    rows = {identity_of(r)[0]: r for r in read_rows(outcome.batches[0].files)}
    assert [e["environment"] for e in rows["ann"]["eventList"]] == [{"browserDetails": {"name": "Safari"}}]
    assert set(rows["ann"]["eventList"][0]) == {"timestamp", "environment"}
    assert rows["bob"]["eventList"] == []
    request["additionalFields"]["eventList"]["filter"] = {"toIngestTimestamp": "2024-01-01T10:05:00Z"}
    (rows_to,) = run(loaded, tmp_path / "b", request)
    ann = next(r for r in rows_to if identity_of(r)[0] == "ann")
    assert [e["environment"]["browserDetails"]["name"] for e in ann["eventList"]] == ["Chrome"]


def test_segment_per_batch_writes_one_batch_per_segment(loaded: ProfileStore, tmp_path: Path) -> None:
    request = {
        "mergePolicy": NEWEST,
        "filter": {
            "segments": [
                {"segmentId": "seg-a", "segmentNs": "AAM"},
                {"segmentId": "seg-b", "status": ["exited"]},
            ]
        },
        "destination": {"datasetId": "ds1", "segmentPerBatch": True},
    }
    outcome = export(loaded, request, tmp_path)
    assert [(b.segment.segmentId if b.segment else None, b.record_count) for b in outcome.batches] == [
        ("seg-a", 2),
        ("seg-b", 1),
    ]
    assert [p.relative_to(tmp_path).as_posix() for b in outcome.batches for p in b.files] == [
        "0/part-00000.parquet",
        "1/part-00000.parquet",
    ]
    # Profiles, not rows: bob is in both batches and counts once.
    assert outcome.total_exported_profiles == 2 and outcome.exported_by_namespace == {"Email": 2}
    request["destination"] = {"datasetId": "ds1"}
    (rows,) = run(loaded, tmp_path / "single", request)
    assert sorted(names(rows)) == ["ann", "bob"]  # bob is in both segments, exported once


def test_large_exports_split_into_several_files(loaded: ProfileStore, tmp_path: Path) -> None:
    outcome = export(loaded, {"filter": {"emptyProfiles": True}}, tmp_path, rows_per_file=3)
    (batch,) = outcome.batches
    assert [p.name for p in batch.files] == ["part-00000.parquet", "part-00001.parquet"]
    assert [len(read_rows([p])) for p in batch.files] == [3, 1]


@pytest.mark.parametrize(
    ("request_body", "code"),
    [
        ({"schema": {"name": "_xdm.context.experienceevent"}}, "SCHEMA_NOT_SUPPORTED"),
        ({"filter": {"fromIngestTimestamp": "yesterday"}}, "INVALID_REQUEST"),
        ({"filter": {"segments": [{"segmentId": "seg-a", "status": ["gone"]}]}}, "INVALID_REQUEST"),
        ({"filter": {"segments": [{"segmentId": "seg-a", "status": []}]}}, "INVALID_REQUEST"),
        ({"mergePolicy": {"id": "newest", "version": 1.5}}, "INVALID_REQUEST"),
        ({"filter": {"segments": [{"segmentId": "seg-c"}]}}, "MERGE_POLICY_NOT_FOUND"),
    ],
)
def test_invalid_requests_fail(
    loaded: ProfileStore, tmp_path: Path, request_body: dict[str, Any], code: str
) -> None:
    with pytest.raises(ExportFailed) as failure:
        export(loaded, request_body, tmp_path)
    assert failure.value.code == code


def test_seed_request_runs_as_written(store: ProfileStore, tmp_path: Path) -> None:
    generate(store, profiles=3000, seed=7)
    request = {
        "fields": "identities.id,personalEmail.address",
        "mergePolicy": {"id": "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2", "version": 1},
        "filter": {
            "segments": [
                {
                    "segmentId": "4edc8488-2c35-4f6d-b4c6-9075c68d2df4",
                    "segmentNs": "AAM",
                    "status": ["realized"],
                },
                {
                    "segmentId": "1rfe8422-334d-12f4-3sd4-12cf6g990g51",
                    "segmentNs": "UPS",
                    "status": ["exited"],
                },
            ],
            "segmentQualificationTime": {
                "startTime": "2019-08-01T00:00:00Z",
                "endTime": "2019-09-02T00:00:00Z",
            },
            "fromIngestTimestamp": "2018-10-25T13:22:04-07:00",
            "emptyProfiles": False,
        },
        "additionalFields": {
            "eventList": {
                "fields": "environment.browserDetails.name,environment.browserDetails.version",
                "filter": {"fromIngestTimestamp": "2018-10-25T13:22:04-07:00"},
            }
        },
        "destination": {"datasetId": "5b020a27e7040801dedba61b", "segmentPerBatch": True},
    }
    outcome = export(store, request, tmp_path)
    assert [b.segment.segmentNs if b.segment else None for b in outcome.batches] == ["AAM", "UPS"]
    assert all(b.record_count > 0 for b in outcome.batches)
    for batch in outcome.batches:
        assert columns(batch.files) == ["identityMap", "identities", "personalEmail", "eventList"]
    assert sum(outcome.exported_by_namespace.values()) == outcome.total_exported_profiles
