"""``--select``: keys (and globs) ORed, labels ANDed, the two groups ANDed; clear errors."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aep_exports.config.selection import Selection, parse_selectors, selects
from aep_exports.errors import UsageError

KEYS = st.from_regex(r"[a-z][a-z0-9]{0,5}([-_][a-z0-9]{1,3}){0,2}", fullmatch=True)
NAMES = st.sampled_from(["team", "tier", "region", "app.kubernetes.io/name"])
VALUES = st.sampled_from(["crm", "gold", "eu", "x"])
LABELS = st.dictionaries(NAMES, VALUES, max_size=3)


@pytest.mark.parametrize(
    ("texts", "key", "labels", "selected"),
    [
        ((), "daily", {}, True),
        (("daily",), "daily", {}, True),
        (("daily",), "hourly", {}, False),
        (("daily", "hourly"), "hourly", {}, True),  # keys ORed
        (("vip-*",), "vip-hourly", {}, True),
        (("vip-*",), "crm-daily", {}, False),
        (("team=crm",), "daily", {"team": "crm"}, True),
        (("team=crm",), "daily", {"team": "ads"}, False),
        (("team=crm",), "daily", {}, False),
        (("team=crm", "tier=gold"), "daily", {"team": "crm"}, False),  # labels ANDed
        (("team=crm,tier=gold",), "daily", {"team": "crm", "tier": "gold"}, True),  # kubectl's comma list
        (("daily", "team=crm"), "daily", {"team": "ads"}, False),  # keys AND labels
        (("daily", "team=crm"), "daily", {"team": "crm"}, True),
        ((" team = crm ",), "daily", {"team": "crm"}, True),
    ],
)
def test_selection_table(texts, key, labels, selected):
    assert parse_selectors(texts).selects(key, labels) is selected


@pytest.mark.parametrize("text", ["=crm", "team=", "Vip", "a b", "bad key!", "team name=crm"])
def test_malformed_selectors_are_usage_errors_naming_the_flag(text):
    with pytest.raises(UsageError, match=r"^--select "):
        parse_selectors([text])


def test_empty_parts_of_a_comma_list_are_ignored():
    assert parse_selectors(["team=crm,", ","]).describe() == "team=crm"


@given(st.lists(KEYS, max_size=3), st.dictionaries(NAMES, VALUES, max_size=3), KEYS, LABELS)
def test_selects_matches_its_definition(keys, wanted, key, labels):
    texts = [*keys, *(f"{name}={value}" for name, value in wanted.items())]
    expected = (not keys or any(fnmatchcase(key, k) for k in keys)) and all(
        labels.get(name) == value for name, value in wanted.items()
    )
    assert parse_selectors(texts).selects(key, labels) is expected
    assert selects(key, labels, parse_selectors(texts).selectors) is expected


def test_no_selector_is_everything_and_describes_itself():
    assert Selection().is_everything and Selection().describe() == "everything"
    assert parse_selectors(["team=crm", "vip-*", "team=crm"]).describe() == "team=crm, vip-*"
