"""Classifying a plan's findings for ``drift``: in sync (0), pending (2), out-of-band (3)."""

from __future__ import annotations

from dataclasses import dataclass

from aep_exports.errors import ExitCode
from aep_exports.plan.model import DriftFinding, Plan


@dataclass(frozen=True)
class DriftReport:
    """What ``drift`` tells: findings by kind and the exit code they mean."""

    out_of_band: tuple[DriftFinding, ...]
    pending: tuple[DriftFinding, ...]
    info: tuple[DriftFinding, ...]

    @property
    def exit_code(self) -> int:
        """3 when the platform changed outside the tool, 2 when only declared changes wait, else 0."""
        if self.out_of_band:
            return int(ExitCode.DRIFT)
        if self.pending:
            return int(ExitCode.CHANGES)
        return int(ExitCode.OK)

    @property
    def status(self) -> str:
        """``drift``, ``pending`` or ``in_sync``."""
        return {3: "drift", 2: "pending", 0: "in_sync"}[self.exit_code]

    def headline(self) -> str:
        """One sentence for the top of the report."""
        if self.out_of_band:
            return f"Drift: {_n(len(self.out_of_band), 'change')} made outside aep-exports" + (
                f", and {_n(len(self.pending), 'declared change')} pending." if self.pending else "."
            )
        if self.pending:
            return f"Pending: {_n(len(self.pending), 'declared change')} not applied yet; no drift."
        return "In sync: the platform matches the declarations and the state."


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def drift_report(plan: Plan) -> DriftReport:
    """Split a plan's findings by kind."""
    return DriftReport(
        out_of_band=plan.out_of_band,
        pending=plan.pending,
        info=tuple(f for f in plan.drift if f.kind == "info"),
    )
