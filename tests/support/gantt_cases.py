"""A table of real plans (made by the planner) for the Mermaid gantt: shared by the unit test of its
text and the integration test that renders it with mermaid-cli."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta

from aep_exports.plan.model import Plan
from aep_exports.plan.planner import make_plan
from aep_exports.state.model import ExportRecord
from support.plans import applied_dataset, applied_export, at, dataset, desired, export, live, run, state

NOW = at(hours=4)
Case = tuple[Plan, Mapping[str, ExportRecord]]


def _plan(*exports_and_runs: tuple[object, list[object]]) -> Case:
    ds = dataset()
    wants = [want for want, _ in exports_and_runs]
    doc = state(
        datasets={"target": applied_dataset(ds)},
        exports={want.key: applied_export(want, runs) for want, runs in exports_and_runs if runs},  # type: ignore[attr-defined]
    )
    plan = make_plan(desired(ds, *wants), doc, live(NOW, datasets={"ds-1": {**ds.body}}), NOW)  # type: ignore[arg-type]
    return plan, doc.exports


def none_due() -> Case:
    """The daily export already ran for today's slot: nothing to start."""
    return _plan((export("daily"), [run(at(hours=3), window_from=at(hours=-21))]))


def one_with_history() -> Case:
    """One export due, after a success, a failure and a cancellation (same `from`: not tiled yet)."""
    return _plan(
        (
            export("daily"),
            [
                run(at(days=-3, hours=3), window_from=at(days=-4, hours=3), job_id=1),
                run(at(days=-2, hours=3), "FAILED", window_from=at(days=-3, hours=3), job_id=2),
                run(
                    at(days=-1, hours=3),
                    "CANCELLED",
                    window_from=at(days=-3, hours=3),
                    job_id=3,
                    cancelled_by_tool=True,
                ),
            ],
        )
    )


def many_over_the_cap() -> Case:
    """Twelve exports due: eight sections, then "and 4 more"."""
    return _plan(
        *(
            (export(f"export-{i:02d}", "@hourly"), [run(at(hours=2), window_from=at(hours=1), job_id=i)])
            for i in range(12)
        )
    )


def unbounded_windows() -> Case:
    """A full export (window = everything) with history, and an incremental export's first run."""
    full = export("snapshot", incremental=False)
    return _plan(
        (full, [run(at(days=-1, hours=3), job_id=7), run(at(days=-2, hours=3), "FAILED", job_id=6)]),
        (export("first-ever"), []),
    )


def odd_keys() -> Case:
    """Keys with dashes, underscores, digits and the longest allowed length."""
    keys = ["a", "x-1_y-2", "crm_daily-v2", "k" + "-0" * 31 + "z"]
    return _plan(*((export(key, timeout=timedelta(hours=1)), []) for key in keys))


CASES: dict[str, Callable[[], Case]] = {
    "none-due": none_due,
    "one-with-history": one_with_history,
    "many-over-the-cap": many_over_the_cap,
    "unbounded-windows": unbounded_windows,
    "odd-keys": odd_keys,
}
