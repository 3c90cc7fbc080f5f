"""Property: never twice, never lost, over export shapes x faults x contract variants, on the local platform.

Hypothesis draws a set of exports (with and without segments, each filter key alone, incremental or
not, segmentPerBatch, merge policy with and without version, several into one dataset, twins), a fault
and one value of every contract variant that shapes what a job record shows or how a cancelled job
reads. Each example applies two days in a row on a real platform (uvicorn, or the in-process app the
CLI embeds); each day the first apply suffers the fault, then applies without faults converge:

- ``drop``: half the POST answers are lost after the POST took effect;
- ``kill``: the apply dies right after one of its POSTs took effect (before state recorded the job);
- ``5xx``: a third of the API requests answer 500/503 without taking effect;
- ``429``: the platform allows 4 requests a second.

After every apply: no job is claimed by two runs, no job aep-exports cancelled was made by another
run, and no export has two unfinished jobs. After convergence also: no open intent, every platform job
tracked by a run, exactly one job per export per slot. The platform's own records (internal status and
the ``x-request-id`` that created each job) are the oracle.

``AEP_TEST_NEVER_TWICE_EXAMPLES`` (default 6 per way in) sets the example budget: a long soak run is
``AEP_TEST_NEVER_TWICE_EXAMPLES=200 pytest tests/integration/apply/test_never_twice_property.py``.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from aep_exports.platform.contract import VARIANTS
from support.never_twice import Bench
from support.shapes import ExportShape, export_sets, shapes_yaml

EXAMPLES = int(os.environ.get("AEP_TEST_NEVER_TWICE_EXAMPLES", "6"))
DAY1 = datetime(2024, 3, 1, 4, 0, tzinfo=UTC)
FAULTS = ("drop", "kill", "5xx", "429")
# The variants that change what a job record shows, or how a cancelled job reads.
SHAPING = ("cancelled_job", "request_id", "listed_segments", "merge_policy_echo", "dataset_id_key", "batches")
contracts = st.fixed_dictionaries(
    {variant.name: st.sampled_from(variant.values) for variant in VARIANTS if variant.name in SHAPING}
)


def _fault_settings(fault: str, seed: int) -> dict[str, object]:
    return {
        "drop": {"drop_rate": 0.5, "seed": seed},
        "5xx": {"error_rate": 0.3, "seed": seed},
        "429": {"rate_limit": 4},
        "kill": {},
    }[fault]


def _describe(shapes: list[ExportShape], fault: str, contract: dict[str, str]) -> str:
    return f"{fault} on {', '.join(s.describe() for s in shapes)} with {contract}"


@pytest.fixture(params=["asgi", "server"])
def bench(request: pytest.FixtureRequest, tmp_path: Path) -> Bench:
    return Bench.open(request.param, request, tmp_path)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    # An example takes seconds: a failure is reported as drawn (the assertion names shapes, fault and
    # variants) rather than shrunk for minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    shapes=export_sets(),
    fault=st.sampled_from(FAULTS),
    contract=contracts,
    kill_at=st.integers(1, 4),
    seed=st.integers(0, 1000),
)
def test_one_job_per_export_per_slot_whatever_the_shape_fault_and_variant(
    bench: Bench, shapes: list[ExportShape], fault: str, contract: dict[str, str], kill_at: int, seed: int
) -> None:
    why = _describe(shapes, fault, contract)
    project = bench.project(shapes_yaml(shapes))
    with bench.admin(project) as admin:
        admin.set_contract(**contract)
    for day in range(2):
        now = DAY1 + timedelta(days=day)
        with bench.admin(project) as admin:
            admin.set_faults(**_fault_settings(fault, seed + day))
        output = bench.apply(project, now, kill_at=kill_at if fault == "kill" else None)
        during = bench.check(project)
        assert (during.tracked_twice, during.wrongly_cancelled, during.unfinished_together) == (0, 0, 0), (
            why, during.details
        )
        if fault == "kill" and kill_at <= len(shapes):  # every export runs each day: the kill lands
            assert output == "killed", (why, output)
            assert during.untracked >= 1, why  # the job whose POST took effect, unknown to state yet
        with bench.admin(project) as admin:
            admin.set_faults()
        bench.converge(project, now)
        after = bench.check(project)
        assert after.violations == 0, (why, after.details)
        slot = now.replace(hour=3)
        state = project.state()
        for shape in shapes:
            runs = [run for run in state.exports[shape.key].runs if run.slot == slot and run.job_id]
            live = [run for run in runs if not run.cancelled_by_tool]
            assert len(live) == 1, (why, shape.key, runs)
