"""Random damage to valid files never produces anything but a clean ConfigError."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aep_exports.config.loader import load_declarations
from aep_exports.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = [path.read_text(encoding="utf-8") for path in sorted((REPO / "exports").glob("*.yaml"))]
PROBLEM = re.compile(r"^\S+:\d+:\d+: .+$")
SNIPPETS = [
    "\n",
    ": ",
    "- ",
    "  ",
    "&a ",
    "*a",
    "<<: ",
    "!!python/object:os.system ",
    "{",
    "}",
    "[",
    "]",
    "'",
    '"',
    "#",
    "---\n",
    "\t",
    "?",
    "|",
    "~",
    "2024-13-01T00:00:00Z",
    "@daily",
    "true",
    "0x1F",
    "segmentId: x\n",
    "status: [exited]\n",
    "\x00",
    "\u00e9",
    "datasets:\n",
    "exports:\n",
]


@st.composite
def damaged(draw: st.DrawFn) -> str:
    """One example file with a few random insertions, deletions and line swaps."""
    text = draw(st.sampled_from(EXAMPLES))
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "swap", "random"]))
        if action == "insert":
            text = text[:where] + draw(st.sampled_from(SNIPPETS)) + text[where:]
        elif action == "delete":
            text = text[:where] + text[where + draw(st.integers(1, 40)) :]
        elif action == "random":
            text = text[:where] + draw(st.text(max_size=8)) + text[where:]
        else:
            lines = text.split("\n")
            a, b = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
    return text


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["@daily", "realized", "2024-01-01T00:00:00Z", "1h"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@st.composite
def grafted(draw: st.DrawFn) -> str:
    """An example file with a random value planted at a random place of its structure."""
    data = yaml.safe_load(draw(st.sampled_from(EXAMPLES)))
    node = data
    for _ in range(draw(st.integers(0, 5))):
        if isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node, key=str)))
            if not isinstance(node[key], dict | list):
                break
            node = node[key]
        elif isinstance(node, list) and node:
            child = node[draw(st.integers(0, len(node) - 1))]
            if not isinstance(child, dict | list):
                break
            node = child
    if isinstance(node, dict):
        key = draw(st.one_of(st.sampled_from(sorted(node, key=str) or ["x"]), st.text(max_size=8)))
        node[key] = draw(values)
    elif isinstance(node, list):
        node.append(draw(values))
    return yaml.safe_dump(data, allow_unicode=True)


def check(text: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        project = Path(directory)
        (project / "exports").mkdir()
        (project / "exports" / "x.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_declarations(project, "prod")
        except ConfigError as error:
            assert error.problems
            for problem in error.problems:
                assert PROBLEM.match(problem), problem


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_text_gives_only_config_errors(text: str) -> None:
    check(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grafted())
def test_random_values_anywhere_give_only_config_errors(text: str) -> None:
    check(text)
