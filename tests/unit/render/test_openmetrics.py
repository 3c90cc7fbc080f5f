"""``status --format openmetrics``: what Prometheus reads, checked with prometheus-client's own parser."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.openmetrics.parser import text_string_to_metric_families

from aep_exports.ops.status import compute_status
from aep_exports.plan.desired import RetryPolicy
from aep_exports.plan.expectations import Expectations
from aep_exports.render.openmetrics import render_status_openmetrics
from support.plans import applied_dataset, applied_export, at, dataset, desired, export, run, state

NOW = at(days=1, hours=4)


def _families() -> dict[str, object]:
    ds = dataset()
    daily = export(
        "daily",
        timezone="Europe/Paris",
        labels={"team": "crm", "data.tier": "gold"},
        expect=Expectations(min_rows=5),
    )
    hourly = export("hourly", "@hourly", retry=RetryPolicy(2, timedelta(minutes=5)))
    never = export("never", None)
    doc = state(
        datasets={"target": applied_dataset(ds)},
        exports={
            "daily": applied_export(
                daily,
                [
                    run(
                        at(hours=1),
                        job_id=1,
                        created=at(hours=1),
                        finished=at(hours=1, minutes=3),
                        metrics={"totalExportedProfileCounter": 4},
                        breaches=["exported 4 rows, fewer than min_rows 5"],
                    )
                ],
            ),
            "hourly": applied_export(hourly, [run(at(days=1, hours=3), "FAILED", job_id=2, attempt=2)]),
        },
    )
    text = render_status_openmetrics(compute_status(doc, desired(ds, daily, hourly, never), NOW))
    assert text.endswith("# EOF\n")
    return {family.name: family for family in text_string_to_metric_families(text)}


def _values(family, **labels):  # type: ignore[no-untyped-def]
    return [s.value for s in family.samples if all(s.labels.get(k) == v for k, v in labels.items())]


def test_every_export_has_its_health_status_lag_rows_duration_and_next_slot() -> None:
    families = _families()
    health = families["aep_exports_export_health"]
    chosen = {
        (s.labels["export"], s.labels["aep_exports_export_health"]) for s in health.samples if s.value == 1
    }
    assert chosen == {("daily", "breached"), ("hourly", "failing"), ("never", "healthy")}
    status = families["aep_exports_last_run_status"]
    assert {
        (s.labels["export"], s.labels["aep_exports_last_run_status"]) for s in status.samples if s.value == 1
    } == {("daily", "SUCCEEDED"), ("hourly", "FAILED")}
    assert _values(families["aep_exports_last_run_rows"], export="daily") == [4]
    assert _values(families["aep_exports_last_run_duration_seconds"], export="daily") == [180]
    assert _values(families["aep_exports_last_run_attempt"], export="hourly") == [2]
    assert _values(families["aep_exports_expectation_breaches"], export="daily") == [1]
    assert _values(families["aep_exports_watermark_lag_seconds"], export="daily") == [27 * 3600]
    assert _values(families["aep_exports_watermark_timestamp_seconds"], export="daily") == [
        at(hours=1).timestamp()
    ]
    # the daily slot is 03:00 in Paris: 01:00Z in May; today's is due (a due slot is the next one)
    assert _values(families["aep_exports_next_slot_timestamp_seconds"], export="daily") == [
        at(days=1, hours=1).timestamp()
    ]
    assert _values(families["aep_exports_next_slot_timestamp_seconds"], export="never") == []
    assert families["aep_exports_state_serial"].samples[0].value == 3


def test_declared_facts_and_labels_are_on_the_info_metric() -> None:
    info = _families()["aep_exports_export"]
    [daily] = [s for s in info.samples if s.labels["export"] == "daily"]
    assert daily.name == "aep_exports_export_info" and daily.value == 1
    assert daily.labels["timezone"] == "Europe/Paris" and daily.labels["schedule"] == "0 3 * * *"
    assert daily.labels["label_team"] == "crm" and daily.labels["label_data_tier"] == "gold"
