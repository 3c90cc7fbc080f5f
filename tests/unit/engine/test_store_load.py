"""The JSON-lines load format, its errors and atomicity; the store's reads; seeding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aep_exports.cli.platform_data import load, seed
from aep_exports.platform.seeddata import generate
from aep_exports.platform.store import LoadError, ProfileStore, StoreError

GOOD = [
    {
        "type": "fragment",
        "identity": {"id": "a@x.com", "namespace": "Email"},
        "datasetId": "d1",
        "ingestTime": "2024-01-01T00:00:00Z",
        "data": {"person": {"name": {"firstName": "A", "nick": None}}},
    },
    {
        "type": "event",
        "identity": {"id": "a@x.com", "namespace": "Email"},
        "timestamp": "2024-01-01T00:00:00Z",
        "ingestTime": "2024-01-01T00:01:00Z",
        "data": {"eventType": "x"},
    },
    {
        "type": "membership",
        "identity": {"id": "a@x.com", "namespace": "Email"},
        "segmentId": "s1",
        "status": "realized",
        "lastQualificationTime": "2024-01-02T00:00:00Z",
    },
    {"type": "segment", "id": "s1", "name": "Segment one", "mergePolicyId": "p1"},
    {
        "type": "mergePolicy",
        "id": "p1",
        "name": "Newest",
        "attributeMerge": {"type": "timestampOrdered"},
        "default": True,
    },
]


def write_lines(path: Path, lines: list[Any]) -> Path:
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


def test_load_reports_counts_and_reads_back(store: ProfileStore, tmp_path: Path) -> None:
    report = store.load_jsonl(write_lines(tmp_path / "good.jsonl", GOOD))
    assert report.counts == {"fragment": 1, "event": 1, "membership": 1, "segment": 1, "mergePolicy": 1}
    assert not store.is_empty()
    assert store.get_segment_definition("s1") == {
        "id": "s1",
        "name": "Segment one",
        "mergePolicyId": "p1",
        "namespace": "ups",
        "expression": {"type": "PQL", "format": "pql/text", "value": "true"},
        "schema": {"name": "_xdm.context.profile"},
    }
    policy = store.get_merge_policy("p1")
    assert policy is not None and policy["version"] == 1 and policy["default"] is True
    assert policy["attributeMerge"] == {"type": "timestampOrdered"}
    assert store.get_merge_policy("p1", 2) is None and store.get_segment_definition("nope") is None
    assert [p["id"] for p in store.list_merge_policies()] == ["p1"]
    assert store.fragment_structure() == {"person": {"name": {"firstName": "VARCHAR"}}}  # nulls dropped


def test_bad_lines_are_reported_by_number_and_nothing_is_loaded(store: ProfileStore, tmp_path: Path) -> None:
    lines: list[Any] = [
        *GOOD,
        "{not json",
        {
            "type": "membership",
            "identity": {"id": "a", "namespace": "E"},
            "segmentId": "s1",
            "status": "gone",
        },
        "",
        {"type": "fragment", "identity": {"id": "a"}, "datasetId": "d"},
        {
            "type": "fragment",
            "identity": {"id": "a", "namespace": "E"},
            "datasetId": "d",
            "data": {"identityMap": {}},
        },
        {"type": "event", "identity": {"id": "a", "namespace": "E"}, "timestamp": "soon"},
        {"type": "mergePolicy", "id": "p", "attributeMerge": {"type": "dataSetPrecedence"}},
        {"type": "fragment", "identity": {"id": "a", "namespace": "E"}, "datasetId": "d", "colour": "red"},
    ]
    with pytest.raises(LoadError) as failure:
        store.load_jsonl(write_lines(tmp_path / "bad.jsonl", lines))
    numbers = [problem.split(":")[0] for problem in failure.value.problems]
    assert numbers == ["line 6", "line 7", "line 9", "line 10", "line 11", "line 12", "line 13"]
    assert "status must be one of" in failure.value.problems[1]
    assert "identity.namespace" in failure.value.problems[2]
    assert "reserved" in failure.value.problems[3]
    assert "colour" in failure.value.problems[6]
    assert store.is_empty() and store.counts() == {t: 0 for t in store.counts()}


def test_a_database_error_mid_load_rolls_everything_back(store: ProfileStore, tmp_path: Path) -> None:
    store.load_jsonl(write_lines(tmp_path / "good.jsonl", GOOD))
    before = store.counts()
    store.connection.execute("DROP TABLE segment_definitions")  # make the write fail half-way
    with pytest.raises(Exception, match="segment_definitions"):  # the original error, not the rollback's
        store.load_records([GOOD[0], GOOD[3]])
    store.connection.execute("CREATE TABLE segment_definitions (id VARCHAR NOT NULL, doc JSON NOT NULL)")
    after = store.counts()
    assert after["fragments"] == before["fragments"]


def test_memberships_and_policies_are_upserted(store: ProfileStore) -> None:
    store.load_records(GOOD)
    store.load_records(
        [
            {**GOOD[2], "status": "exited"},
            {"type": "mergePolicy", "id": "p1", "version": 2, "attributeMerge": {"type": "timestampOrdered"}},
            {
                "type": "mergePolicy",
                "id": "p2",
                "attributeMerge": {"type": "timestampOrdered"},
                "default": True,
            },
        ]
    )
    assert store.connection.execute("SELECT status FROM memberships").fetchall() == [("exited",)]
    assert [(p["id"], p["version"], p["default"]) for p in store.list_merge_policies()] == [
        ("p1", 2, False),
        ("p2", 1, True),
    ]
    assert store.default_merge_policy() == store.get_merge_policy("p2")


def test_stores_are_isolated_per_org_and_sandbox(tmp_path: Path) -> None:
    with ProfileStore.open(tmp_path, "ORG1@AdobeOrg", "prod") as one:
        one.load_records(GOOD)
    with ProfileStore.open(tmp_path, "ORG1@AdobeOrg", "dev") as other_sandbox:
        assert other_sandbox.is_empty()
    with ProfileStore.open(tmp_path, "ORG2@AdobeOrg", "prod") as other_org:
        assert other_org.is_empty() and other_org.list_merge_policies() == []
    with ProfileStore.open(tmp_path, "ORG1@AdobeOrg", "prod") as again:
        assert not again.is_empty()
    assert (tmp_path / "profiles" / "org1-adobeorg" / "prod" / "store.duckdb").exists()


def test_seed_is_deterministic_and_holds_the_seed_ids(tmp_path: Path) -> None:
    def snapshot(sandbox: str, seed_value: int) -> tuple[Any, ...]:
        with ProfileStore.open(tmp_path, "ORG", sandbox) as opened:
            report = generate(opened, profiles=500, seed=seed_value)
            rows = opened.connection.execute(
                "SELECT pkey, dataset_id, ingest_ts, data::VARCHAR FROM fragments ORDER BY seq"
            ).fetchall()
            return report.empty_profiles, report.events, rows, opened.list_segment_definitions()

    first, second, other = snapshot("a", 3), snapshot("b", 3), snapshot("c", 4)
    assert first == second
    assert first[2] != other[2]
    assert first[0] > 0 and first[1] > 0
    ids = {s["id"] for s in first[3]}
    assert {"4edc8488-2c35-4f6d-b4c6-9075c68d2df4", "1rfe8422-334d-12f4-3sd4-12cf6g990g51"} <= ids
    assert {s["namespace"] for s in first[3]} == {"AAM", "ups"}
    with ProfileStore.open(tmp_path, "ORG", "a") as opened:
        assert opened.get_merge_policy("e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2", 1) is not None
        assert opened.get_merge_policy("0bf16e61-90e9-4204-b8fa-ad250360957b") is not None
        assert "browserDetails" in opened.event_structure()["environment"]


def test_cli_load_and_seed(tmp_path: Path) -> None:
    runner = CliRunner()
    good = write_lines(tmp_path / "good.jsonl", GOOD)
    result = runner.invoke(load, [str(good), "--data", str(tmp_path / "d"), "--sandbox", "dev"])
    assert result.exit_code == 0, result.output
    assert "Loaded 1 fragment, 1 event, 1 membership, 1 segment, 1 mergePolicy" in result.output
    bad = write_lines(tmp_path / "bad.jsonl", [GOOD[0], "nope"])
    result = runner.invoke(load, [str(bad), "--data", str(tmp_path / "d")])
    assert result.exit_code == 1
    assert "line 2: invalid JSON" in result.output and "nothing was loaded" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(load, [str(tmp_path / "missing.jsonl"), "--data", str(tmp_path / "d")])
    assert result.exit_code == 1 and "no such file" in result.output
    result = runner.invoke(seed, ["--profiles", "200", "--seed", "1", "--data", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert "Seeded" in result.output and "200 profiles" in result.output


def test_a_second_process_gets_a_clean_busy_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    with ProfileStore.open(tmp_path, "ORG", "prod"):
        code = (
            "from pathlib import Path\nfrom aep_exports.platform.store import ProfileStore, StoreBusyError\n"
            f"try:\n    ProfileStore.open(Path({str(tmp_path)!r}), 'ORG', 'prod')\n"
            "except StoreBusyError as e:\n    print('BUSY', e.message)\n"
        )
        output = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
        ).stdout
    assert output.startswith("BUSY") and "in use by another process" in output


def test_closed_store_refuses_use(tmp_path: Path) -> None:
    opened = ProfileStore.open(tmp_path, "ORG", "prod")
    opened.close()
    with pytest.raises(StoreError, match="closed"):
        opened.is_empty()
