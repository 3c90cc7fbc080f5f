"""``apply``: plan (or load a saved plan), confirm, carry it out under the state lock, report."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from aep_exports.cli.context import CliContext
from aep_exports.cli.params import (
    ALL_KEYS,
    EXPORT_KEYS,
    POSITIVE_DURATION,
    RESTATE,
    lock_seconds,
    lock_timeout_option,
    now_option,
    select_option,
    selection_of,
)
from aep_exports.cli.plan_cmd import raise_plan_errors
from aep_exports.errors import ApplyError, UsageError

if TYPE_CHECKING:
    from aep_exports.apply import ApplyOutcome
    from aep_exports.plan.model import Plan, RestateRequest


def _confirm(auto_approve: bool, from_file: bool) -> None:
    if auto_approve or from_file:
        return
    if not sys.stdin.isatty():
        raise ApplyError(
            "refusing to apply without confirmation: the input is not a terminal",
            hint="Review the plan, then run `aep-exports apply --auto-approve`, or save it with "
            "`aep-exports plan -o plan.json` and run `aep-exports apply plan.json`.",
        )
    if not click.confirm("\nDo you want to perform these actions?", default=False):
        raise ApplyError("apply cancelled; nothing was changed")


def _json_report(plan: Plan, outcome: ApplyOutcome | None) -> str:
    from aep_exports.render.machine import versioned

    data = versioned({"plan": json.loads(plan.to_json()), "ok": outcome.ok if outcome else True})
    if outcome is not None:
        data["results"] = [vars(r) for r in outcome.report.results]
        data["runs"] = [
            json.loads(o.model_dump_json()) for o in (outcome.waited.outcomes if outcome.waited else [])
        ]
        data["failed_runs"] = outcome.failed_runs
    return json.dumps(data, indent=2)


@click.command("apply")
@click.argument("plan_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation (needed without a terminal).")
@click.option("--wait", "wait", is_flag=True, help="Follow the runs to the end and record their outcomes.")
@click.option(
    "--wait-timeout", type=POSITIVE_DURATION, default=None, help="Stop following after this long (e.g. 30m)."
)
@click.option("--parallelism", type=click.IntRange(1, 64), default=None, help="Actions carried out at once.")
@lock_timeout_option
@select_option("Apply")
@click.option(
    "--target", "targets", multiple=True, metavar="KEY", shell_complete=ALL_KEYS,
    help="Apply only this resource (repeatable); the same as --select KEY.",
)
@click.option("--run", "runs", multiple=True, metavar="KEY", shell_complete=EXPORT_KEYS,
              help="Run this export now (repeatable).")
@click.option(
    "--restate", "restate", multiple=True, type=RESTATE, shell_complete=EXPORT_KEYS,
    help="Re-export an incremental export from FROM (default: the beginning); see `plan --help`.",
)
@click.option(
    "--allow-replace", is_flag=True, help="Allow replacing datasets whose schema or format changed."
)
@click.option(
    "--prune", is_flag=True, help="Delete datasets that are no longer declared (never protected ones)."
)
@click.option(
    "--forget", "forget", multiple=True, metavar="KEY",
    help="Drop an undeclared dataset or export from state, leaving the platform alone (repeatable).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@now_option("Apply")
@click.pass_obj
def apply(
    cli: CliContext,
    plan_file: Path | None,
    auto_approve: bool,
    wait: bool,
    wait_timeout: timedelta | None,
    parallelism: int | None,
    lock_timeout: timedelta | None,
    selectors: tuple[str, ...],
    targets: tuple[str, ...],
    runs: tuple[str, ...],
    restate: tuple[RestateRequest, ...],
    allow_replace: bool,
    prune: bool,
    forget: tuple[str, ...],
    fmt: str,
    now_text: datetime | None,
) -> None:
    """Carry out a plan: create datasets, start due runs, cancel stuck ones, record outcomes.

    \b
    Without PLAN_FILE it plans now, shows the plan and asks for confirmation (on a terminal;
    elsewhere pass --auto-approve). With PLAN_FILE (from `plan -o`) it applies exactly that plan,
    refusing it when the state or the declarations changed since. The state lock is held throughout.
    """
    from aep_exports.apply import ApplyOptions, Ledger, apply_plan, clock_from, console_for
    from aep_exports.apply.recording import record_and_plan
    from aep_exports.cli.wiring import agree_on_now, load_declared, now_from, open_client, open_state
    from aep_exports.plan.model import PlanOptions
    from aep_exports.plan.saved import ensure_fresh, load_saved_plan
    from aep_exports.render.style import use_colour
    from aep_exports.render.text import render_plan_text

    shaping = (selectors, targets, runs, restate, allow_replace, prune, forget)
    if plan_file is not None and any(shaping):
        raise UsageError(
            "--select, --target, --run, --restate, --forget, --allow-replace and --prune shape a new plan; "
            "a saved plan already has them",
            hint="Pass them to `aep-exports plan -o FILE` instead.",
        )
    settings = cli.settings()
    _, desired = load_declared(settings)
    backend = open_state(settings)
    timeout = lock_seconds(lock_timeout, settings.lock_timeout)
    saved = load_saved_plan(plan_file) if plan_file is not None else None
    console = console_for(sys.stderr if fmt == "json" else sys.stdout)
    echo_err = fmt == "json"
    with open_client(settings) as client, backend.lock(timeout=timeout, command="apply"):
        now = agree_on_now(settings, client, now_from(now_text))
        clock = clock_from(now)
        if saved is not None:
            ensure_fresh(saved, backend.read(), desired.digest, platform=settings.platform)
            plan = saved
            # The saved plan only previewed its recovery and refresh: record them now, as `plan` showed.
            recorded = record_and_plan(
                settings, client, backend, desired, now, saved.options, command="apply", lock_timeout=0,
                console=console,
            )
            ledger = Ledger(backend, recorded.state)
        else:
            options = PlanOptions(
                select=selection_of(selectors, targets),
                runs=runs,
                restate=restate,
                forget=forget,
                allow_replace=allow_replace,
                prune=prune,
            )
            planned = record_and_plan(
                settings,
                client,
                backend,
                desired,
                now,
                options,
                command="apply",
                lock_timeout=0,
                console=console,
            )
            plan, ledger = planned.plan, Ledger(backend, planned.state)
        if fmt == "text":
            click.echo(render_plan_text(plan, colour=use_colour()), nl=False)
        raise_plan_errors(plan, shown=fmt == "text")
        if not plan.actions:
            if fmt == "json":
                click.echo(_json_report(plan, None))
            else:
                click.echo("\nNothing to do: no changes to apply.")
            return
        _confirm(auto_approve, saved is not None)
        click.echo("", err=echo_err)
        outcome = apply_plan(
            plan,
            ledger,
            client,
            clock,
            console,
            ApplyOptions(
                parallelism=parallelism or settings.parallelism,
                wait=wait,
                wait_timeout=wait_timeout.total_seconds() if wait_timeout is not None else None,
            ),
        )
    if fmt == "json":
        click.echo(_json_report(plan, outcome))
    else:
        click.echo("\n" + "\n".join(outcome.summary_lines()))
    outcome.raise_for_failures()
