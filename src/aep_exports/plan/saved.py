"""Saved plans (``plan -o plan.json``): versioned JSON, loaded back by ``apply plan.json``.

A saved plan names the state it was made from (lineage + serial) and the declarations (digest);
:func:`check_fresh` lists what changed since, and apply refuses a stale plan. Every action carries its own
digest and the plan a seal over them in order and over that header: loading refuses an edited plan.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from aep_exports.errors import PlanError, StalePlanError, TamperedPlanError
from aep_exports.plan.model import PLAN_FORMAT_VERSION, Plan
from aep_exports.redact import redact_url_credentials
from aep_exports.state.model import StateDocument

SCHEMA_ID = "https://aep-exports.dev/schemas/plan.schema.json"


def save_plan(plan: Plan, path: Path) -> None:
    """Write ``plan`` as JSON atomically (a reader never sees half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(plan.to_json() + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_saved_plan(path: Path) -> Plan:
    """Read a plan written by ``plan -o``; refuses other files and newer formats with a clear error."""
    path = Path(path)
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PlanError(f"plan file {path} does not exist") from exc
    except (OSError, ValueError) as exc:
        raise PlanError(f"plan file {path} is not a readable JSON plan: {exc}") from exc
    if not isinstance(data, dict) or "format_version" not in data or "actions" not in data:
        raise PlanError(f"{path} is not a plan written by `aep-exports plan -o`")
    version = data.get("format_version")
    if not isinstance(version, int) or version > PLAN_FORMAT_VERSION:
        raise PlanError(
            f"plan file {path} has format version {version!r}; this aep-exports reads up to "
            f"{PLAN_FORMAT_VERSION}",
            hint="Upgrade aep-exports, or make the plan again.",
        )
    try:
        plan = Plan.from_json_data(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PlanError(f"plan file {path} is damaged: {where}: {first['msg']}") from exc
    verify_digests(plan, data["actions"], path)
    verify_seal(plan, data.get("seal"), path)
    return plan


def verify_digests(plan: Plan, saved_actions: Any, path: Path) -> None:
    """Refuse a saved plan whose actions were edited: each action's saved digest must be the digest of
    its content as loaded (a changed window, destination or body, or a missing digest, is refused)."""
    for index, action in enumerate(plan.actions):
        saved = saved_actions[index] if isinstance(saved_actions, list) else None
        found = saved.get("digest") if isinstance(saved, dict) else None
        if found == action.digest:
            continue
        what = "has no digest" if not found else "does not match its digest"
        raise TamperedPlanError(
            f"plan file {path} was edited after it was made: action {index + 1} "
            f"({action.label} {action.key}, {action.action_id}) {what}",
            hint="Apply only a plan as `aep-exports plan -o` wrote it: make the plan again and review it.",
        )


def verify_seal(plan: Plan, saved_seal: Any, path: Path) -> None:
    """Refuse a saved plan whose list of actions (one deleted, added, duplicated or moved) or header (state
    serial or lineage, declarations digest, now, sandbox...) was changed: each action can still match its
    own digest, but not the seal over all of them."""
    if saved_seal == plan.seal:
        return
    what = "has no seal" if not saved_seal else (
        "does not match its seal: its list of actions or its header was changed (an action deleted, "
        "added or moved; the state serial or lineage, declarations, now, platform or sandbox edited)"
    )
    raise TamperedPlanError(
        f"plan file {path} was edited after it was made: it {what}",
        hint="Apply only a plan as `aep-exports plan -o` wrote it: make the plan again and review it.",
    )


def check_fresh(
    plan: Plan, state: StateDocument, declarations_digest: str, *, platform: str | None = None
) -> list[str]:
    """What changed since ``plan`` was made (empty when it may still be applied).

    ``declarations_digest``: the digest of the declarations now (``Desired.digest``); ``platform``: the
    platform the settings point at now (a plan made for another one is not applied there).
    """
    changes: list[str] = []
    if platform and plan.platform and plan.platform != platform:
        changes.append(
            f"the plan is for platform {redact_url_credentials(plan.platform)}, the settings point at "
            f"{redact_url_credentials(platform)}"
        )
    if (plan.org and state.org != plan.org) or (plan.sandbox and state.sandbox != plan.sandbox):
        changes.append(
            f"the plan is for {plan.org}/{plan.sandbox}, the state for {state.org}/{state.sandbox}"
        )
    if state.lineage != plan.state_lineage and not (plan.state_serial == 0 and state.serial == 0):
        changes.append(f"the state was replaced (lineage {plan.state_lineage} → {state.lineage})")
    elif state.serial != plan.state_serial:
        changes.append(
            f"the state was written since the plan was made (serial {plan.state_serial} → {state.serial})"
        )
    if declarations_digest != plan.declarations_digest:
        changes.append("the declarations under exports/ changed since the plan was made")
    return changes


def ensure_fresh(
    plan: Plan, state: StateDocument, declarations_digest: str, *, platform: str | None = None
) -> None:
    """Raise StalePlanError listing what changed, when the plan is stale."""
    changes = check_fresh(plan, state, declarations_digest, platform=platform)
    if changes:
        raise StalePlanError(
            "the saved plan is stale: " + "; ".join(changes),
            hint="Run `aep-exports plan -o plan.json` again, review it, then apply it.",
        )


def plan_json_schema() -> dict[str, Any]:
    """The JSON Schema of a saved plan (``schemas/plan.schema.json``), generated from the model."""
    schema = Plan.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "aep-exports saved plan",
        **schema,
    }
