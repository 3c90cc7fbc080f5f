"""The declaration models: defaults, normalisation and the exact API request bodies they produce."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from aep_exports.config.models import DatasetSpec, ExportSpec, format_duration


def export(**fields: Any) -> ExportSpec:
    return ExportSpec.model_validate({"dataset": "target", "schedule": "@daily", **fields})


def test_minimal_export_body_has_only_required_keys() -> None:
    assert export().request_body("5b020a27e7040801dedba61b") == {
        "destination": {"datasetId": "5b020a27e7040801dedba61b"},
        "schema": {"name": "_xdm.context.profile"},
    }


def test_seed_body_round_trips_exactly() -> None:
    seed = {
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
                "startTime": "2019-09-01T00:00:00Z",
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
        "schema": {"name": "_xdm.context.profile"},
    }
    pasted = {key: value for key, value in seed.items() if key != "destination"}
    spec = export(**pasted, destination={"segmentPerBatch": True})
    assert spec.request_body("5b020a27e7040801dedba61b") == seed


def test_fields_accept_list_or_comma_string() -> None:
    as_list = export(fields=["identities.id", "personalEmail.address"])
    as_text = export(fields=" identities.id , personalEmail.address")
    assert as_list.fields == as_text.fields == ("identities.id", "personalEmail.address")
    assert as_list.request_body("d")["fields"] == "identities.id,personalEmail.address"


def test_incremental_watermark_becomes_from_ingest_timestamp() -> None:
    spec = export(incremental=True, filter={"segments": [{"segmentId": "s1"}]})
    assert "fromIngestTimestamp" not in spec.request_body("d")["filter"]
    watermark = datetime(2024, 5, 1, 6, 30, tzinfo=UTC)
    body = spec.request_body("d", watermark)
    assert body["filter"] == {
        "segments": [{"segmentId": "s1"}],
        "fromIngestTimestamp": "2024-05-01T06:30:00Z",
    }


def test_timestamps_keep_their_offset() -> None:
    spec = export(filter={"fromIngestTimestamp": "2018-10-25T13:22:04.5-07:00"})
    assert spec.filter is not None and spec.filter.fromIngestTimestamp == datetime(
        2018, 10, 25, 13, 22, 4, 500000, tzinfo=timezone(timedelta(hours=-7))
    )
    assert spec.request_body("d")["filter"]["fromIngestTimestamp"] == "2018-10-25T13:22:04.500000-07:00"


def test_status_may_be_a_single_string() -> None:
    spec = export(filter={"segments": [{"segmentId": "s1", "status": "exited"}]})
    assert spec.request_body("d")["filter"]["segments"] == [{"segmentId": "s1", "status": ["exited"]}]


@pytest.mark.parametrize(
    ("schedule", "cron"),
    [
        ("@hourly", "0 * * * *"),
        ("@daily", "0 0 * * *"),
        ("@weekly", "0 0 * * 0"),
        ("manual", None),
        ("*/15  6-18 * * 1-5", "*/15 6-18 * * 1-5"),
    ],
)
def test_cron_expression(schedule: str, cron: str | None) -> None:
    assert export(schedule=schedule).cron_expression() == cron


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("1m30s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("1h30m", timedelta(minutes=90)),
        ("1d", timedelta(days=1)),
    ],
)
def test_timeouts(text: str, delta: timedelta) -> None:
    assert export(timeout=text).timeout == delta
    assert format_duration(delta) == text
    assert export(timeout="5400s").timeout == timedelta(minutes=90)


def test_dataset_reference_kind() -> None:
    assert export().is_dataset_id is False
    assert export(dataset="5b020a27e7040801dedba61b").is_dataset_id is True


def test_specs_are_frozen_and_strict() -> None:
    spec = export()
    with pytest.raises(ValidationError):
        spec.enabled = False  # type: ignore[misc]
    with pytest.raises(ValidationError):
        export(enabled="yes")
    with pytest.raises(ValidationError):
        export(surprise=1)


def test_dataset_defaults_make_a_profile_export_target() -> None:
    body = DatasetSpec(name="Profile Data Export").request_body()
    assert body == {
        "name": "Profile Data Export",
        "schemaRef": {
            "id": "https://ns.adobe.com/xdm/context/profile__union",
            "contentType": "application/vnd.adobe.xed+json;version=1",
        },
        "fileDescription": {"persisted": True, "containerFormat": "parquet", "format": "parquet"},
        "aspect": "production",
    }
    assert DatasetSpec(name="x").protect is False
