"""``show PLAN_FILE``: render a saved plan (``plan -o``) without reading settings, state or the platform."""

from __future__ import annotations

from pathlib import Path

import click

from aep_exports.cli.plan_cmd import FORMATS, errors_as_json


@click.command("show")
@click.argument("plan_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
def show(plan_file: Path, fmt: str) -> None:
    """Show a plan saved with `plan -o PLAN_FILE`, as `plan` showed it.

    Reads only PLAN_FILE: no settings, state or platform is needed, and nothing is written, so it
    works from any directory (a CI artifact, a reviewer's machine). A plan edited after it was
    saved is refused, as `apply` would refuse it.
    """
    from aep_exports.plan.saved import load_saved_plan
    from aep_exports.render.json_view import render_plan_json
    from aep_exports.render.markdown import render_plan_markdown
    from aep_exports.render.style import use_colour
    from aep_exports.render.text import render_plan_text

    with errors_as_json(fmt == "json"):
        plan = load_saved_plan(plan_file)
    if fmt == "json":
        click.echo(render_plan_json(plan), nl=False)
    elif fmt == "markdown":
        click.echo(render_plan_markdown(plan), nl=False)
    else:
        where = f"{plan.org}/{plan.sandbox}" if plan.org else plan.sandbox or "an unnamed sandbox"
        made = plan.created_at.isoformat().replace("+00:00", "Z")
        serial = plan.state_serial
        click.echo(f"Saved plan {plan_file} for {where}, made {made} from state serial {serial}.\n")
        click.echo(render_plan_text(plan, colour=use_colour()), nl=False)
