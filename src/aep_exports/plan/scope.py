"""What a selected command may touch: ``--select`` (and ``--target``, the same thing) over keys and labels.

One mechanism for every command (plan, apply, status, drift, download, report): the selectors of
:mod:`aep_exports.config.selection` matched against each export's and dataset's key and declared
``labels:``. An export or dataset that is no longer declared has no labels; a key selector still
selects it. The datasets that selected exports write into come along (an export cannot run
without its dataset), as Terraform's ``-target`` brings dependencies. Nothing else is read into
the plan, refreshed, recovered or written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from aep_exports.config.selection import Selection, parse_selectors
from aep_exports.plan.desired import Desired

_NO_LABELS: Mapping[str, str] = {}


@dataclass(frozen=True)
class Scope:
    """The selection with the declared labels it is matched against; selects everything without selectors."""

    selection: Selection
    export_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    dataset_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    carried: frozenset[str] = frozenset()  # datasets that selected declared exports write into

    @property
    def everything(self) -> bool:
        """True without selectors: every key is in scope."""
        return self.selection.is_everything

    def has_export(self, key: str) -> bool:
        """Whether export ``key`` is selected."""
        return self.everything or self.selection.selects(key, self.export_labels.get(key, _NO_LABELS))

    def has_dataset(self, key: str) -> bool:
        """Whether dataset ``key`` is selected (itself, or as the target of a selected export)."""
        if self.everything or key in self.carried:
            return True
        return self.selection.selects(key, self.dataset_labels.get(key, _NO_LABELS))

    def has(self, resource: str, key: str) -> bool:
        """``has_export`` or ``has_dataset``, by resource name."""
        return self.has_export(key) if resource == "export" else self.has_dataset(key)

    def counts(self, exports: Iterable[str], datasets: Iterable[str]) -> tuple[int, int, int, int]:
        """(selected exports, exports, selected datasets, datasets) among these keys."""
        export_keys, dataset_keys = set(exports), set(datasets)
        return (
            sum(map(self.has_export, export_keys)),
            len(export_keys),
            sum(map(self.has_dataset, dataset_keys)),
            len(dataset_keys),
        )

    def describe(self, exports: Iterable[str], datasets: Iterable[str]) -> str:
        """``--select team=crm: 2 of 5 exports and 1 of 3 datasets selected; 3 exports and 2 datasets
        left out, untouched``."""
        chosen, total, chosen_datasets, total_datasets = self.counts(exports, datasets)
        return (
            f"--select {self.selection.describe()}: {chosen} of {_n(total, 'export')} and "
            f"{chosen_datasets} of {_n(total_datasets, 'dataset')} selected; "
            f"{_n(total - chosen, 'export')} and {_n(total_datasets - chosen_datasets, 'dataset')} "
            "left out, untouched"
        )


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def select_scope(selectors: Iterable[str] | Selection, desired: Desired) -> Scope:
    """The scope of ``selectors`` (texts, or parsed) over the declarations."""
    selection = selectors if isinstance(selectors, Selection) else parse_selectors(selectors)
    if selection.is_everything:
        return Scope(selection)
    exports = {key: want.labels for key, want in desired.exports.items()}
    datasets = {key: want.labels for key, want in desired.datasets.items()}
    carried = frozenset(
        want.dataset_key
        for key, want in desired.exports.items()
        if want.dataset_key is not None and selection.selects(key, want.labels)
    )
    return Scope(selection, exports, datasets, carried)
