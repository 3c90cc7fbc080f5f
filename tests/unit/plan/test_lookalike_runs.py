"""Runs whose jobs would look the same on the platform: the plan says they start one after the other."""

from __future__ import annotations

from aep_exports.plan.lookalike import lookalike_key
from aep_exports.plan.planner import make_plan
from support.plans import applied_dataset, at, dataset, desired, export, live, state

DS = dataset()


def test_twins_and_exports_of_one_dataset_without_segments_are_named_in_the_plan() -> None:
    wanted = desired(
        DS,
        export("twin-a", segments=("seg-a",), fields="identities.id"),
        export("twin-b", segments=("seg-a",), fields="personalEmail.address", merge_policy=None),
        export("other-segments", segments=("seg-b",)),
        export("everyone-1", segments=()),
        export("everyone-2", segments=(), merge_policy="mp-2"),
    )
    doc = state(datasets={"target": applied_dataset(DS)})
    plan = make_plan(wanted, doc, live(at(hours=5)), at(hours=5))

    notes = [info.message for info in plan.infos if "one after the other" in info.message]
    assert notes == [
        "runs of everyone-1 and everyone-2 are started one after the other: their jobs look the same on "
        "the platform (same dataset and segments), so each create is settled before the next is sent",
        "runs of twin-a and twin-b are started one after the other: their jobs look the same on the "
        "platform (same dataset and segments), so each create is settled before the next is sent",
    ]


def test_the_key_is_what_every_platform_variant_shows() -> None:
    body = {
        "fields": "a,b",
        "mergePolicy": {"id": "mp-1"},
        "filter": {"segments": [{"segmentId": "s2", "segmentNs": "AAM"}, {"segmentId": "s1"}]},
        "destination": {"datasetId": "d1", "segmentPerBatch": True},
        "schema": {"name": "_xdm.context.profile"},
    }
    # Segment order, namespaces, statuses, fields and merge policy are not part of it (some platforms
    # show a listed segment's id alone, or name a merge policy the request did not).
    other = {**body, "fields": "c", "mergePolicy": {"id": "mp-2"},
             "filter": {"segments": [{"segmentId": "s1", "status": ["exited"]}, {"segmentId": "s2"}]}}
    assert lookalike_key(body) == lookalike_key(other) == ("d1", ("s1", "s2"), "_xdm.context.profile")
    assert lookalike_key({**body, "destination": {"datasetId": "d2"}}) != lookalike_key(body)
