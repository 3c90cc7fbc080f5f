"""``--select``: which exports (or datasets) a command acts on, by key and by label.

A selector is one of

* ``KEY`` or a glob of keys (``vip-*``): the resource's key;
* ``LABEL=VALUE``: the resource carries that label with that value (``team=crm``).

Several selectors (repeated ``--select``, or commas inside one: ``team=crm,tier=gold``, as kubectl's
``-l``) combine like this: **labels are ANDed** (every label selector must hold), **keys are ORed**
among themselves (``--select a --select b`` selects both), and the two groups are ANDed. No selector
selects everything. This module is pure (no I/O); commands parse once with :func:`parse_selectors`
and test each resource with :func:`selects`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase

from aep_exports.errors import UsageError

_KEY_PATTERN = re.compile(r"^[a-z0-9*?_\-\[\]!]+$")
_LABEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$")


@dataclass(frozen=True)
class Selector:
    """One parsed selector: a key pattern (``label`` None) or a label equality."""

    text: str
    key_pattern: str | None = None
    label: str | None = None
    value: str | None = None

    def matches_key(self, key: str) -> bool:
        """True when this key selector names ``key`` (always False for a label selector)."""
        return self.key_pattern is not None and fnmatchcase(key, self.key_pattern)

    def matches_labels(self, labels: Mapping[str, str]) -> bool:
        """True when this label selector holds for ``labels`` (always False for a key selector)."""
        return self.label is not None and labels.get(self.label) == self.value


@dataclass(frozen=True)
class Selection:
    """Parsed selectors, ready to test resources; empty selects everything."""

    selectors: tuple[Selector, ...] = ()

    @property
    def is_everything(self) -> bool:
        """True when no selector was given."""
        return not self.selectors

    def describe(self) -> str:
        """The selectors as the user wrote them (``team=crm, vip-*``), or ``everything``."""
        return ", ".join(s.text for s in self.selectors) or "everything"

    def selects(self, key: str, labels: Mapping[str, str] | None = None) -> bool:
        """Whether a resource with this key and these labels is selected."""
        return selects(key, labels or {}, self.selectors)


def parse_selector(text: str) -> Selector:
    """One selector from its text; a clear :class:`UsageError` for a malformed one."""
    item = text.strip()
    if "=" in item:
        label, _, value = item.partition("=")
        label, value = label.strip(), value.strip()
        if not _LABEL_NAME.match(label) or not value:
            raise UsageError(
                f"--select {text!r}: expected LABEL=VALUE (e.g. team=crm)",
                hint="label names use letters, digits and _ . : / -; the value must not be empty",
            )
        return Selector(text=item, label=label, value=value)
    if not item or not _KEY_PATTERN.match(item):
        raise UsageError(
            f"--select {text!r}: not a key, a key glob (vip-*) or LABEL=VALUE",
            hint="keys are lowercase letters and digits joined by - or _",
        )
    return Selector(text=item, key_pattern=item)


def parse_selectors(texts: Iterable[str]) -> Selection:
    """Every ``--select`` value (each possibly a comma list) as one :class:`Selection`."""
    selectors = [parse_selector(part) for text in texts for part in text.split(",") if part.strip()]
    return Selection(tuple(dict.fromkeys(selectors)))


def selects(key: str, labels: Mapping[str, str], selectors: Iterable[Selector]) -> bool:
    """Labels ANDed, keys ORed, the two groups ANDed; no selectors selects everything."""
    selectors = tuple(selectors)
    keys = [s for s in selectors if s.key_pattern is not None]
    labelled = [s for s in selectors if s.label is not None]
    if keys and not any(s.matches_key(key) for s in keys):
        return False
    return all(s.matches_labels(labels) for s in labelled)
