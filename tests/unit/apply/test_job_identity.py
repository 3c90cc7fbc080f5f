"""Job identity: the normalisations it documents (reconcile/matching.py), on seed-shaped records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aep_exports.client.models import ExportJob
from aep_exports.reconcile.matching import choose_jobs, job_matches
from aep_exports.state.model import Intent

BODY: dict[str, Any] = {
    "fields": "identities.id",
    "mergePolicy": {"id": "p1"},
    "filter": {
        "segments": [{"segmentId": "s1"}, {"segmentId": "s2", "segmentNs": "AAM", "status": ["exited"]}],
        "fromIngestTimestamp": "2024-01-01T00:00:00Z",
        "emptyProfiles": True,
    },
    "destination": {"datasetId": "d1", "segmentPerBatch": True},
    "schema": {"name": "_xdm.context.profile"},
}


def record(**changes: Any) -> ExportJob:
    """The job of BODY as a seed-shaped answer (no fields, no window, no emptyProfiles), with changes."""
    doc: dict[str, Any] = {
        "id": 1,
        "status": "NEW",
        "filter": {
            "segments": [
                {"segmentId": "s2", "segmentNs": "aam", "status": ["exited", "exited"]},
                {"segmentId": "s1", "segmentNs": "UPS", "status": ["existing", "realized"]},
            ]
        },
        "schema": {"name": "_xdm.context.profile"},
        "mergePolicy": {"id": "p1", "version": 3},
        "destination": {"dataSetId": "d1", "segmentPerBatch": True, "batches": []},
    }
    doc.update(changes)
    return ExportJob.model_validate(doc)


def test_a_seed_shaped_record_matches_its_request() -> None:
    # Defaults filled in (ups, realized+existing), case and order ignored, any version for "latest".
    assert job_matches(record(), BODY)
    # What the seed's list sample shows: segment ids only.
    assert job_matches(record(filter={"segments": [{"segmentId": "s2"}, {"segmentId": "s1"}]}), BODY)
    # No filter at all (the English guide's list sample) matches a request without segments.
    no_segments = {**BODY, "filter": {"emptyProfiles": True}}
    assert job_matches(record(filter=None), no_segments) and not job_matches(record(), no_segments)


def test_what_the_record_shows_must_agree() -> None:
    assert not job_matches(record(destination={"datasetId": "d2", "segmentPerBatch": True}), BODY)
    assert not job_matches(record(destination={"datasetId": "d1", "segmentPerBatch": False}), BODY)
    assert not job_matches(record(mergePolicy={"id": "p2", "version": 1}), BODY)
    assert not job_matches(record(schema={"name": "other"}), BODY)
    one_segment = {"segments": [{"segmentId": "s1"}]}
    assert not job_matches(record(filter=one_segment), BODY)
    wrong_status = {
        "segments": [{"segmentId": "s1"}, {"segmentId": "s2", "segmentNs": "AAM", "status": ["realized"]}]
    }
    assert not job_matches(record(filter=wrong_status), BODY)
    wrong_ns = {"segments": [{"segmentId": "s1", "segmentNs": "AAM"}, {"segmentId": "s2"}]}
    assert not job_matches(record(filter=wrong_ns), BODY)


def test_versions_compare_as_numbers_when_both_sides_name_one() -> None:
    pinned = {**BODY, "mergePolicy": {"id": "p1", "version": 1}}
    assert job_matches(record(mergePolicy={"id": "p1", "version": 1.0}), pinned)
    assert not job_matches(record(mergePolicy={"id": "p1", "version": 2}), pinned)
    assert job_matches(record(mergePolicy={"id": "p1"}), pinned)
    # A request without mergePolicy: the platform may name the policy it resolved.
    assert job_matches(record(mergePolicy={"id": "anything", "version": 9}), {**BODY, "mergePolicy": None})


def test_segments_pair_up_in_any_order_even_when_partial() -> None:
    body = {
        **BODY,
        "filter": {
            "segments": [
                {"segmentId": "s1", "segmentNs": "AAM"},
                {"segmentId": "s1", "segmentNs": "ups", "status": ["exited"]},
            ]
        },
    }
    # The partial entry could be either; the full one only the second: they still pair up.
    shown = {"segments": [{"segmentId": "s1"}, {"segmentId": "s1", "segmentNs": "AAM"}]}
    assert job_matches(record(filter=shown), body)
    twice_aam = {
        "segments": [{"segmentId": "s1", "segmentNs": "AAM"}, {"segmentId": "s1", "segmentNs": "AAM"}]
    }
    assert not job_matches(record(filter=twice_aam), body)


def test_an_echoed_request_id_is_an_exact_match() -> None:
    mine = record(id=5, requestId="mine", creationTime=2)
    twin = record(id=4, requestId="theirs", creationTime=1)
    intent = Intent(
        id="mine", kind="run_export", resource="export", key="k", request_body=BODY,
        started_at=datetime.fromtimestamp(0, UTC), attempts=1,
    )
    exact = choose_jobs(intent, [mine, twin], {})
    assert (exact.keep, exact.extras, exact.foreign, exact.exact) == (mine, (), (twin,), True)
    # Not echoed (the platform generates its own ids): identity decides, the oldest look-alike first.
    unsent = intent.model_copy(update={"id": "unsent"})
    assert choose_jobs(unsent, [mine, twin], {}).keep == twin
    assert choose_jobs(unsent, [mine, twin], {4: "another-intent"}).keep == mine
    # A job state recorded as an out-of-band finding is never the intent's, nor an extra, nor reported.
    assert choose_jobs(unsent, [mine, twin], {}, {4}).keep == mine
    only_outside = choose_jobs(unsent, [twin], {}, {4})
    assert (only_outside.keep, only_outside.extras, only_outside.foreign) == (None, (), ())
    echoed_outside = choose_jobs(intent, [mine, twin], {}, {5})
    assert echoed_outside.keep == twin and mine not in echoed_outside.extras
