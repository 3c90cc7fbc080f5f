"""The safe YAML loader: plain values, positions, and refusal of what PyYAML would let through."""

from __future__ import annotations

from pathlib import Path

import pytest

from aep_exports.config.yaml_loader import MAX_FILE_BYTES, load_yaml_file, parse_yaml


def test_keeps_timestamps_and_yes_no_as_strings() -> None:
    document, problems = parse_yaml(
        "at: 2024-01-01T00:00:00Z\nns: NO\nflag: true\nn: 3\nf: 1.5\nz: ~\n", "f.yaml"
    )
    assert problems == []
    assert document.data == {
        "at": "2024-01-01T00:00:00Z",
        "ns": "NO",
        "flag": True,
        "n": 3,
        "f": 1.5,
        "z": None,
    }


def test_records_positions_of_keys_and_values() -> None:
    document, _ = parse_yaml("a:\n  b:\n    - x\n    - y: 1\n", "f.yaml")
    assert document.position(("a", "b", 1, "y")) == (4, 10)
    assert document.position(("a", "b", 1, "y"), of_key=True) == (4, 7)
    assert document.position(("a", "b", 0)) == (3, 7)
    assert document.position(("a", "b", 9, "missing")) == (3, 5)  # nearest known ancestor


def test_duplicate_key_names_both_lines() -> None:
    _, problems = parse_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert [str(p) for p in problems] == ["f.yaml:3:1: a: duplicate key 'a' (first defined at line 1)"]


def test_merge_keys_work_and_explicit_keys_win() -> None:
    document, problems = parse_yaml("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n", "f.yaml")
    assert problems == []
    assert document.data["c"] == {"x": 1, "y": 3}


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['true']\n",
        "a: !!python/name:os.system ''\n",
        "a: !!binary aGVsbG8=\n",
        "a: !custom x\n",
        "a: !!set {x}\n",
    ],
)
def test_refuses_every_non_plain_tag(text: str) -> None:
    _, problems = parse_yaml(text, "f.yaml")
    assert len(problems) == 1 and "is not allowed" in problems[0].message


def test_alias_expansion_is_bounded() -> None:
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for index, name in enumerate("bcdefgh"):
        previous = "abcdefgh"[index]
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    _, problems = parse_yaml("\n".join(lines), "f.yaml")
    assert len(problems) == 1 and "alias bomb" in problems[0].message


def test_oversized_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("# padding\n" * (MAX_FILE_BYTES // 10 + 1), encoding="utf-8")
    _, problems = load_yaml_file(path, "exports/big.yaml")
    assert [str(p) for p in problems] == [
        f"exports/big.yaml:1:1: file is {path.stat().st_size} bytes, over the {MAX_FILE_BYTES} byte limit"
    ]


def test_non_utf8_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a: 1\nname: caf\xe9\n".encode("latin-1"))
    _, problems = load_yaml_file(path, "exports/latin1.yaml")
    assert [str(p) for p in problems] == ["exports/latin1.yaml:2:1: file is not valid UTF-8"]


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    _, problems = parse_yaml("a: " + "[" * 5000 + "]" * 5000, "f.yaml")
    assert len(problems) == 1 and "nesting deeper" in problems[0].message


def test_empty_document_is_none() -> None:
    document, problems = parse_yaml("# only a comment\n", "f.yaml")
    assert document.data is None and problems == []
