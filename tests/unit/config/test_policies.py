"""Declaring how an export is operated: timezone, retry, labels, expect, and ``moved:`` renames.

Each bad value gets one located, teaching line; a declaration that does not use these keys is
stored (and digested) exactly as before they existed.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from aep_exports.config.loader import load_declarations
from aep_exports.config.problems import InvalidConfigError

HEAD = "datasets:\n  target:\n    name: Target\n    labels: {team: crm}\nexports:\n"


def _project(tmp_path: Path, body: str, extra: str = "") -> Path:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "main.yaml").write_text(
        HEAD + textwrap.indent(textwrap.dedent(body), "  ") + extra
    )
    return tmp_path


def _problems(tmp_path: Path, body: str, extra: str = "") -> list[str]:
    with pytest.raises(InvalidConfigError) as caught:
        load_declarations(_project(tmp_path, body, extra), "dev")
    return [str(p) for p in caught.value.problems]


GOOD = """\
    daily:
      dataset: target
      schedule: "0 2 * * *"
      timezone: Europe/Paris
      incremental: true
      retry: {attempts: 3, delay: 10m}
      labels: {team: crm, tier: gold}
      expect: {min_rows: 1, max_rows: 1000000, max_duration: 1h, max_lag: 26h}
"""


def test_the_operating_keys_are_read(tmp_path: Path) -> None:
    declared = load_declarations(_project(tmp_path, GOOD), "dev")
    spec = declared.exports["daily"].spec
    assert spec.timezone == "Europe/Paris" and spec.labels == {"team": "crm", "tier": "gold"}
    assert spec.retry is not None and (spec.retry.attempts, spec.retry.delay.total_seconds()) == (3, 600)
    assert spec.expect is not None and spec.expect.max_lag is not None
    assert spec.expect.max_lag.total_seconds() == 26 * 3600
    assert declared.datasets["target"].spec.labels == {"team": "crm"}
    assert "labels" not in declared.datasets["target"].spec.request_body(), "labels are never sent"


def test_unused_operating_keys_change_nothing_stored(tmp_path: Path) -> None:
    declared = load_declarations(_project(tmp_path, "daily: {dataset: target, schedule: '@daily'}\n"), "dev")
    dumped = declared.exports["daily"].spec.model_dump(mode="json", by_alias=True)
    assert not {"timezone", "retry", "expect", "labels"} & set(dumped)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "timezone: Europe/Pariss",
            "'Europe/Pariss' is not an IANA time zone name (e.g. 'Europe/Paris', "
            "'America/New_York', 'UTC') (did you mean 'Europe/Paris'?)",
        ),
        ("timezone: CEST", "is not an IANA time zone name"),
        ("retry: {attempts: 0}", "retry.attempts: must be at least 1, got 0"),
        ("retry: {attempts: 11}", "retry.attempts: must be at most 10, got 11"),
        ("retry: {attempts: 2, delay: 0s}", "retry.delay: '0s' is zero: give a positive duration"),
        ("retry: {attemps: 2}", "unknown key 'attemps' (did you mean 'attempts'?)"),
        ("expect: {}", "give at least one of min_rows, max_rows, max_duration, max_lag"),
        ("expect: {min_rows: 10, max_rows: 5}", "expect.min_rows: min_rows must not be more than max_rows"),
        ("expect: {max_lag: soon}", "expect.max_lag: 'soon' is not a duration"),
        ("labels: {team: 'c,rm'}", "label value 'c,rm' is not valid"),
        ("labels: {'bad name': crm}", "label name 'bad name' is not valid"),
    ],
)
def test_a_bad_operating_key_is_one_located_line(tmp_path: Path, line: str, message: str) -> None:
    problems = _problems(tmp_path, f"daily:\n  dataset: target\n  schedule: '@daily'\n  {line}\n")
    assert len(problems) == 1, problems
    assert problems[0].startswith("exports/main.yaml:") and message in problems[0], problems[0]


def _moved(*entries: str) -> str:
    return "moved:\n" + "".join(f"  - {entry}\n" for entry in entries)


NEW_DECLARED = "vip-daily: {dataset: target, schedule: '@daily'}\n"


def test_moved_entries_are_read_with_their_kind(tmp_path: Path) -> None:
    declared = load_declarations(
        _project(
            tmp_path, NEW_DECLARED, _moved("{from: daily, to: vip-daily}", "{from: dataset.old, to: target}")
        ),
        "dev",
    )
    assert [(m.kind, m.old, m.new) for m in declared.moved] == [
        ("export", "daily", "vip-daily"),
        ("dataset", "old", "target"),
    ]
    assert declared.moved[0].source == "exports/main.yaml:8"
    assert "moved" in declared.canonical()


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (["{from: daily, to: nowhere}"], "moved[0].to: 'nowhere' is not declared"),
        (["{from: daily, to: vip-daily}", "{from: daily, to: vip-daily}"], "is already moved at"),
        (["{from: a, to: vip-daily}", "{from: b, to: vip-daily}"], "two keys cannot become one"),
        (
            ["{from: a, to: b}", "{from: b, to: vip-daily}"],
            "a chain of moves (a → b → vip-daily): write a → vip-daily directly, and remove b → vip-daily",
        ),
        (
            ["{from: dataset.a, to: export.vip-daily}"],
            "dataset.a is a dataset; it cannot become export.vip-daily",
        ),
        (["{from: Daily, to: vip-daily}"], "'Daily' is not a key"),
        (["{from: vip-daily, to: vip-daily}"], "is moved onto itself"),
    ],
)
def test_bad_moved_entries_are_refused_where_they_are(
    tmp_path: Path, entries: list[str], message: str
) -> None:
    problems = _problems(tmp_path, NEW_DECLARED, _moved(*entries))
    assert any(message in p for p in problems), problems
    assert all(p.startswith("exports/main.yaml:") for p in problems)


def test_a_from_still_declared_is_refused(tmp_path: Path) -> None:
    body = NEW_DECLARED + "daily: {dataset: target, schedule: '@daily'}\n"
    [problem] = _problems(tmp_path, body, _moved("{from: daily, to: vip-daily}"))
    assert problem.startswith("exports/main.yaml:9:12:")
    assert "moved[0].from: export 'daily' is still declared: remove its declaration" in problem


def test_a_key_both_kinds_declare_needs_its_address(tmp_path: Path) -> None:
    body = NEW_DECLARED.replace("vip-daily", "target")
    [problem] = _problems(tmp_path, body, _moved("{from: old, to: target}"))
    assert "'target' is both a dataset and an export: write dataset.target or export.target" in problem
