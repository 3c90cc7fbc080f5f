"""A collector the planner's rule modules report into; the planner turns it into a Plan."""

from __future__ import annotations

from dataclasses import dataclass, field

from aep_exports.plan.actions import Action
from aep_exports.plan.model import DriftFinding, PlanMessage


@dataclass
class PlanSink:
    """Actions, findings and messages in the order the rules produced them."""

    actions: list[Action] = field(default_factory=list)
    drift: list[DriftFinding] = field(default_factory=list)
    errors: list[PlanMessage] = field(default_factory=list)
    warnings: list[PlanMessage] = field(default_factory=list)
    infos: list[PlanMessage] = field(default_factory=list)

    def action(self, action: Action) -> Action:
        self.actions.append(action)
        return action

    def finding(self, finding: DriftFinding) -> None:
        self.drift.append(finding)

    def error(self, message: PlanMessage) -> None:
        self.errors.append(message)

    def warning(self, message: PlanMessage) -> None:
        self.warnings.append(message)

    def info(self, message: PlanMessage) -> None:
        self.infos.append(message)
