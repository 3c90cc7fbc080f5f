"""``aep-exports doctor [--format text|json]``: a read-only first-contact check of the platform."""

from __future__ import annotations

import click

from aep_exports.cli.context import CliContext
from aep_exports.errors import ExitCode


@click.command("doctor")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def doctor(ctx: click.Context, fmt: str) -> None:
    """Check settings, credentials, sandbox, references and what the platform answers.

    Run it first against a new platform (Adobe, or `platform serve`). It reads only: it takes no
    lock, writes no state and changes nothing on the platform. It checks the settings and
    declarations, gets a token, reads one page of datasets (org and sandbox entitlement), the
    datasets state manages, the segments and merge policies the declarations name and one page of
    export jobs; it tells which contract variant the platform shows (what a cancelled job reads
    as, paging, field spellings, ...), lists the records aep-exports does not recognise, and says
    what to do about each problem.

    \b
    Exit codes: 0 no problem (warnings allowed) · 1 a check failed.
    """
    from aep_exports.cli.wiring import load_declared, open_client, open_state
    from aep_exports.ops.doctor import Access, diagnose
    from aep_exports.render.doctor import render_doctor_json, render_doctor_text
    from aep_exports.render.style import use_colour

    cli: CliContext = ctx.obj
    access = Access(
        settings=cli.settings,
        declarations=lambda settings: load_declared(settings)[1],
        state=lambda settings: open_state(settings).read(),
        client=open_client,
    )
    report = diagnose(access)
    if fmt == "json":
        click.echo(render_doctor_json(report), nl=False)
    else:
        click.echo(render_doctor_text(report, colour=use_colour()), nl=False)
    if not report.ok:
        ctx.exit(int(ExitCode.ERROR))
