"""``refresh``, ``plan`` and ``drift``: parse flags, call the reconciler, render, exit."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from aep_exports.cli.context import CliContext
from aep_exports.cli.params import (
    ALL_KEYS,
    EXPORT_KEYS,
    RESTATE,
    lock_seconds,
    lock_timeout_option,
    now_option,
    select_option,
    selection_of,
)
from aep_exports.errors import AepExportsError, ExitCode, PlanError

if TYPE_CHECKING:
    from aep_exports.plan.model import Plan, PlanOptions, RestateRequest
    from aep_exports.state.model import StateDocument

FORMATS = click.Choice(["text", "json", "markdown"])
SUMMARY_ENV = "GITHUB_STEP_SUMMARY"



@dataclass
class _Made:
    plan: Plan
    written: bool
    state: StateDocument


def _make(
    cli: CliContext,
    options: PlanOptions,
    now_text: datetime | None,
    *,
    write: bool,
    command: str,
    lock_timeout: timedelta | None = None,
) -> _Made:
    """The plan: read-only (``plan``, ``drift``: no lock, no write, ``--now`` a what-if), or with the
    recovery and the refresh recorded in state under the lock (``refresh``)."""
    from aep_exports.cli.wiring import (
        agree_on_now,
        load_declared,
        now_from,
        open_client,
        open_state,
        read_only_now,
    )
    from aep_exports.reconcile.pipeline import plan_now

    settings = cli.settings()
    _, desired = load_declared(settings)
    backend = open_state(settings)
    with open_client(settings) as client:
        if not write:
            now = read_only_now(settings, client, now_from(now_text))
            planned = plan_now(settings, client, backend, desired, now, options)
            return _Made(planned.plan, planned.written, planned.state)
        from aep_exports.apply.console import console_for
        from aep_exports.apply.recording import record_and_plan

        now = agree_on_now(settings, client, now_from(now_text))
        planned = record_and_plan(
            settings,
            client,
            backend,
            desired,
            now,
            options,
            command=command,
            # Recovery lines go to stderr so that --format json/markdown stay parseable on stdout.
            console=console_for(sys.stderr),
            lock_timeout=lock_seconds(lock_timeout, settings.lock_timeout),
        )
    return _Made(planned.plan, planned.written, planned.state)


def _append_step_summary(markdown: str) -> None:
    target = os.environ.get(SUMMARY_ENV)
    if target:
        with Path(target).open("a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")


def raise_plan_errors(plan: Plan, *, shown: bool = False) -> None:
    """PlanError when the plan has errors: listed, unless the text output ``shown`` just printed them."""
    if plan.errors:
        count = len(plan.errors)
        head = f"the plan has {count} error{'s' if count != 1 else ''}"
        listed = " (above)" if shown else ":\n" + "\n".join(e.text() for e in plan.errors)
        raise PlanError(head + listed)


@click.command("refresh")
@now_option("Refresh")
@lock_timeout_option
@click.pass_obj
def refresh(cli: CliContext, now_text: datetime | None, lock_timeout: timedelta | None) -> None:
    """Read the platform and record finished runs in state; change nothing else.

    \b
    Also resolves the intents an interrupted apply left (adopting the job of a lost answer,
    cancelling extra jobs it made), as `plan` shows they will be. With --now on the local
    platform, its clock is first set to that instant.
    """
    from aep_exports.plan.model import PlanOptions
    from aep_exports.render.style import use_colour
    from aep_exports.render.text import render_plan_text

    options = PlanOptions(refresh_only=True)
    made = _make(cli, options, now_text, write=True, command="refresh", lock_timeout=lock_timeout)
    text = render_plan_text(made.plan, colour=use_colour(), show_infos=False)
    lines = [line for line in text.rstrip("\n").splitlines() if not line.startswith("Refresh only")]
    while lines and not lines[-1].strip():
        lines.pop()
    if not made.plan.refreshed:
        lines.insert(0, "Refresh found no newly finished runs.")
    lines.append("State updated." if made.written else "State unchanged.")
    click.echo("\n".join(lines))


@click.command("plan")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when the plan has changes (0 when none).")
@click.option(
    "--refresh-only",
    is_flag=True,
    help="Only show what a refresh would record (finished runs); plan no actions, record nothing.",
)
@select_option("Plan")
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="KEY",
    shell_complete=ALL_KEYS,
    help="Plan only this resource (repeatable); the same as --select KEY.",
)
@click.option(
    "--run",
    "runs",
    multiple=True,
    metavar="KEY",
    shell_complete=EXPORT_KEYS,
    help="Run this export now, even if not due or manual (repeatable).",
)
@click.option(
    "--restate",
    "restate",
    multiple=True,
    type=RESTATE,
    shell_complete=EXPORT_KEYS,
    help="Re-export an incremental export from FROM (RFC 3339; default: the beginning): its watermark "
    "moves back and a run exports (FROM, now] again (repeatable).",
)
@click.option(
    "--allow-replace", is_flag=True, help="Allow replacing datasets whose schema or format changed."
)
@click.option(
    "--prune", is_flag=True, help="Delete datasets that are no longer declared (never protected ones)."
)
@click.option(
    "--forget",
    "forget",
    multiple=True,
    metavar="KEY",
    help="Drop an undeclared dataset or export from state, leaving the platform alone (repeatable).",
)
@click.option(
    "-o",
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan as JSON for `apply FILE`.",
)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@now_option("Plan")
@click.pass_context
def plan(
    ctx: click.Context,
    detailed_exitcode: bool,
    refresh_only: bool,
    selectors: tuple[str, ...],
    targets: tuple[str, ...],
    runs: tuple[str, ...],
    restate: tuple[RestateRequest, ...],
    allow_replace: bool,
    prune: bool,
    forget: tuple[str, ...],
    out: Path | None,
    fmt: str,
    now_text: datetime | None,
) -> None:
    """Show what apply would do now (or save it with -o).

    \b
    Read-only, whatever the flags: no state lock, no state write, nothing sent to the platform but
    reads, and --now is a what-if. What the next apply will record first (finished runs, the
    intents an interrupted apply left) is shown with the plan.
    """
    from aep_exports.plan.model import PlanOptions
    from aep_exports.plan.saved import save_plan
    from aep_exports.render.json_view import render_plan_json
    from aep_exports.render.markdown import render_plan_markdown
    from aep_exports.render.style import use_colour
    from aep_exports.render.text import render_plan_text

    options = PlanOptions(
        select=selection_of(selectors, targets),
        runs=runs,
        restate=restate,
        forget=forget,
        allow_replace=allow_replace,
        prune=prune,
        refresh_only=refresh_only,
    )
    with errors_as_json(fmt == "json"):
        made = _make(ctx.obj, options, now_text, write=False, command="plan")
    result = made.plan
    if fmt == "json":
        click.echo(render_plan_json(result), nl=False)
    elif fmt == "markdown":
        click.echo(render_plan_markdown(result, history=made.state.exports), nl=False)
    else:
        click.echo(render_plan_text(result, colour=use_colour()), nl=False)
    _append_step_summary(render_plan_markdown(result, history=made.state.exports))
    raise_plan_errors(result, shown=fmt == "text")
    if out is not None and not refresh_only:
        save_plan(result, out)
        if fmt == "text":
            click.echo(f"\nSaved the plan to {out}. Apply exactly this plan with: aep-exports apply {out}")
    if detailed_exitcode and result.has_changes:
        ctx.exit(int(ExitCode.CHANGES))


@click.command("drift")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@select_option("Check")
@now_option("Check")
@click.pass_context
def drift(ctx: click.Context, fmt: str, selectors: tuple[str, ...], now_text: datetime | None) -> None:
    """Compare the platform with the declarations and state; exit 3 on out-of-band changes.

    \b
    Exit codes: 0 in sync (runs merely due by schedule are normal), 2 declared changes pending,
    3 the platform changed outside aep-exports, 1 error. Drift never writes state.
    """
    from aep_exports.plan.drift import drift_report
    from aep_exports.plan.model import PlanOptions
    from aep_exports.render.json_view import render_drift_json
    from aep_exports.render.markdown import render_drift_markdown
    from aep_exports.render.style import use_colour
    from aep_exports.render.text import render_drift_text

    options = PlanOptions(select=selection_of(selectors))
    made = _make(ctx.obj, options, now_text, write=False, command="drift")
    result = made.plan
    if fmt == "json":
        click.echo(render_drift_json(result), nl=False)
    elif fmt == "markdown":
        click.echo(render_drift_markdown(result), nl=False)
    else:
        click.echo(render_drift_text(result, colour=use_colour()), nl=False)
    _append_step_summary(render_drift_markdown(result))
    raise_plan_errors(result)  # the drift report does not list them
    ctx.exit(drift_report(result).exit_code)


@contextmanager
def errors_as_json(enabled: bool) -> Iterator[None]:
    """With ``--format json``, an error that prevents the plan is also a JSON document on stdout (so a
    pipeline reading stdout gets one), before click prints it on stderr and exits 1."""
    from aep_exports.render.json_view import render_error_json

    try:
        yield
    except AepExportsError as exc:
        if enabled:
            click.echo(render_error_json(exc), nl=False)
        raise
