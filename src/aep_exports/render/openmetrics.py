"""``status --format openmetrics``: the status as OpenMetrics text for Prometheus.

For a node-exporter textfile collector (``aep-exports status --format openmetrics > aep.prom``
from a cron or CI job) or a Pushgateway. Written with the official ``prometheus-client`` library
(its OpenMetrics exposition), so names, escaping and the ``# EOF`` trailer follow the format rather
than hand-written text. One series per export (label ``export``; declared ``labels:`` are on
``aep_exports_export_info`` as ``label_<name>``, to join on):

- ``aep_exports_export_health`` (state set: healthy, running, late, failing, breached);
- ``aep_exports_last_run_status`` (state set of the newest run's status), ``..._attempt``,
  ``..._rows``, ``..._duration_seconds``, ``aep_exports_expectation_breaches``;
- ``aep_exports_watermark_timestamp_seconds`` and ``aep_exports_watermark_lag_seconds``;
- ``aep_exports_next_slot_timestamp_seconds``; ``aep_exports_state_serial``,
  ``aep_exports_last_refresh_timestamp_seconds``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric, StateSetMetricFamily
from prometheus_client.openmetrics.exposition import generate_latest
from prometheus_client.registry import Collector, CollectorRegistry

from aep_exports.ops.status import HEALTH_WORDS, ExportStatus, StatusReport
from aep_exports.state.model import RunStatus

PREFIX = "aep_exports"
_RUN_STATUSES = tuple(status.value for status in RunStatus)
_LABEL = re.compile(r"[^A-Za-z0-9_]")


def _label_name(name: str) -> str:
    """A declared label as a Prometheus label name: ``label_`` + the name with other characters as ``_``."""
    return "label_" + _LABEL.sub("_", name)


def _stamp(moment: datetime) -> float:
    return moment.timestamp()


class _StatusCollector(Collector):
    """Yields the metric families of one status report."""

    def __init__(self, report: StatusReport) -> None:
        self.report = report

    def collect(self) -> Iterator[Metric]:
        exports = self.report.exports
        yield self._info(exports)
        health = StateSetMetricFamily(f"{PREFIX}_export_health", "Health of the export", labels=["export"])
        for item in exports:
            health.add_metric([item.key], {word: item.health == word for word in HEALTH_WORDS})
        yield health
        yield from self._last_runs(exports)
        yield from self._gauges(exports)
        serial = GaugeMetricFamily(f"{PREFIX}_state_serial", "Serial of the state document read")
        serial.add_metric([], self.report.serial)
        yield serial
        refreshed = GaugeMetricFamily(
            f"{PREFIX}_last_refresh_timestamp_seconds",
            "When the platform was last read into state",
            unit="seconds",
        )
        if self.report.last_refresh is not None:
            refreshed.add_metric([], _stamp(self.report.last_refresh))
        yield refreshed

    @staticmethod
    def _info(exports: tuple[ExportStatus, ...]) -> InfoMetricFamily:
        info = InfoMetricFamily(f"{PREFIX}_export", "What is declared about the export", labels=["export"])
        for item in exports:
            facts = {
                "schedule": item.schedule or "manual",
                "timezone": item.timezone,
                "incremental": str(item.incremental).lower(),
                "enabled": str(item.enabled).lower(),
                "declared": str(item.declared).lower(),
                "dataset_id": item.dataset_id or "",
            }
            facts.update({_label_name(name): value for name, value in sorted(item.labels.items())})
            info.add_metric([item.key], facts)
        return info

    @staticmethod
    def _last_runs(exports: tuple[ExportStatus, ...]) -> Iterator[Metric]:
        status = StateSetMetricFamily(
            f"{PREFIX}_last_run_status", "Status of the newest run", labels=["export"]
        )
        attempt = GaugeMetricFamily(
            f"{PREFIX}_last_run_attempt",
            "Attempt of the newest run (1, or more after retries)",
            labels=["export"],
        )
        rows = GaugeMetricFamily(
            f"{PREFIX}_last_run_rows", "Profiles the newest finished run exported", labels=["export"]
        )
        duration = GaugeMetricFamily(
            f"{PREFIX}_last_run_duration_seconds",
            "How long the newest run took",
            labels=["export"],
            unit="seconds",
        )
        for item in exports:
            run = item.last_run
            if run is None:
                continue
            states = {word: run.status == word for word in _RUN_STATUSES}
            states.setdefault(str(run.status), True)  # a status this build does not know
            status.add_metric([item.key], states)
            attempt.add_metric([item.key], run.attempt)
            if run.rows is not None:
                rows.add_metric([item.key], run.rows)
            if run.duration is not None:
                duration.add_metric([item.key], run.duration.total_seconds())
        yield from (status, attempt, rows, duration)

    @staticmethod
    def _gauges(exports: tuple[ExportStatus, ...]) -> Iterator[Metric]:
        breaches = GaugeMetricFamily(
            f"{PREFIX}_expectation_breaches", "Expectations the export breaks now", labels=["export"]
        )
        watermark = GaugeMetricFamily(
            f"{PREFIX}_watermark_timestamp_seconds",
            "End of the last successful window",
            labels=["export"],
            unit="seconds",
        )
        lag = GaugeMetricFamily(
            f"{PREFIX}_watermark_lag_seconds", "Now minus the watermark", labels=["export"], unit="seconds"
        )
        upcoming = GaugeMetricFamily(
            f"{PREFIX}_next_slot_timestamp_seconds",
            "The next scheduled slot (a due one first)",
            labels=["export"],
            unit="seconds",
        )
        for item in exports:
            breaches.add_metric([item.key], len(item.breaches))
            if item.watermark is not None:
                watermark.add_metric([item.key], _stamp(item.watermark))
            if item.lag is not None:
                lag.add_metric([item.key], item.lag.total_seconds())
            slot = item.due_slot or item.next_slot
            if slot is not None:
                upcoming.add_metric([item.key], _stamp(slot))
        yield from (breaches, watermark, lag, upcoming)


def render_status_openmetrics(report: StatusReport) -> str:
    """The report in the OpenMetrics text format (ends with ``# EOF``)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_StatusCollector(report))
    text: bytes = generate_latest(registry)  # type: ignore[no-untyped-call]  # untyped in the library
    return text.decode("utf-8")
