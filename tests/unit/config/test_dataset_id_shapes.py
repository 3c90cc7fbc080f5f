"""A dataset id is 24 hexadecimal characters, whatever it starts with; a dataset key may not look like one.

About six in sixteen platform ids start with a letter (``e33591c204b5e7b03672a84b``), and such an id is
also a valid key: it must still be read as an id, never as a key naming no declared dataset.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aep_exports.config.loader import load_declarations
from aep_exports.errors import ConfigError

DATASET_IDS = st.text(alphabet="0123456789abcdef", min_size=24, max_size=24)


def _project(root: Path, dataset_key: str, dataset_ref: str) -> Path:
    (root / "exports").mkdir(parents=True, exist_ok=True)
    (root / "exports" / "main.yaml").write_text(
        f"datasets:\n  {dataset_key}:\n    name: Target\n"
        f'exports:\n  raw:\n    dataset: "{dataset_ref}"\n    schedule: manual\n'
    )
    return root


@given(dataset_id=DATASET_IDS)
def test_every_24_hex_reference_is_a_dataset_id(tmp_path_factory, dataset_id: str) -> None:
    root = _project(tmp_path_factory.mktemp("ids"), "target", dataset_id)
    declared = load_declarations(root, "prod").exports["raw"]
    assert (declared.dataset_id, declared.dataset_key) == (dataset_id, None)


def test_a_dataset_key_shaped_like_an_id_is_refused(tmp_path: Path) -> None:
    key = "e33591c204b5e7b03672a84b"
    root = _project(tmp_path, key, key)
    with pytest.raises(ConfigError) as refused:
        load_declarations(root, "prod")
    problems = refused.value.problems
    assert len(problems) == 1, problems
    assert problems[0].startswith("exports/main.yaml:2:3: datasets."), problems
    assert "looks like a dataset id" in problems[0]
