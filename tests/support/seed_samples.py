"""The seed document's sample answers (``seed/profile-export-api.fr.md``, a verbatim copy of the shared
seed), parsed from the document itself so that the tests compare against the seed, not a transcription.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

SEED = Path(__file__).parents[1] / "integration" / "platform" / "seed" / "profile-export-api.fr.md"
# Objects whose keys are data (namespaces), not part of the shape.
MAP_KEYS = frozenset({"exportedProfileByNamespaceCounter"})


@cache
def _blocks() -> list[Any]:
    found = []
    for text in re.findall(r"```json\n(.*?)```", SEED.read_text(encoding="utf-8"), re.S):
        try:
            found.append(json.loads(text))
        except ValueError:
            found.append(None)  # the "destination" fragment, not a whole document
    return found


def create_answer() -> dict[str, Any]:
    """The answer to the seed's create request (segmentPerBatch: true), status NEW."""
    answer: dict[str, Any] = _blocks()[1]
    return answer


def list_answer() -> dict[str, Any]:
    """The list sample: a SUCCEEDED single-batch job (726) and a FAILED one (722)."""
    answer: dict[str, Any] = _blocks()[3]
    return answer


def get_answer() -> dict[str, Any]:
    """The same job as the create answer, read back SUCCEEDED."""
    answer: dict[str, Any] = _blocks()[4]
    return answer


def single_batch_destination() -> dict[str, Any]:
    """The seed's ``destination`` of a job without segmentPerBatch (a fragment in the document)."""
    text = re.findall(r"```json\n(.*?)```", SEED.read_text(encoding="utf-8"), re.S)[2]
    destination: dict[str, Any] = json.loads("{" + text.strip() + "}")["destination"]
    return destination


def paths(document: Any, prefix: str = "") -> set[str]:
    """Every key path of a document (``a.b``, ``a[].c`` through arrays); values are left out."""
    found: set[str] = set()
    if isinstance(document, dict):
        for key, value in document.items():
            path = f"{prefix}.{key}" if prefix else key
            found.add(path)
            if key not in MAP_KEYS:
                found |= paths(value, path)
    elif isinstance(document, list):
        for item in document:
            found |= paths(item, f"{prefix}[]")
    return found
