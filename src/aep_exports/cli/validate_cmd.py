"""``aep-exports validate`` and ``aep-exports schema``: offline checks, no platform needed.

Imports only click and the config package, so these commands start fast and work without network.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from aep_exports.cli.context import CliContext
from aep_exports.errors import ConfigError, ExitCode


def _problems_of(error: ConfigError) -> list[dict[str, Any]]:
    details = getattr(error, "details", None)
    if details is not None:
        return [problem.as_dict() for problem in details]
    return [{"file": "", "line": 0, "column": 0, "path": "", "message": line} for line in error.problems]


@click.command()
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Text for people, JSON for tools.",
)
@click.pass_context
def validate(ctx: click.Context, output_format: str) -> None:
    """Check the project's settings and declarations; report every problem.

    Exit code 0 when everything is valid, 1 otherwise (every problem is listed as
    file:line:column: field: message). Nothing is read from or sent to the platform.
    """
    from aep_exports.config.loader import load_declarations, summary
    from aep_exports.render.machine import versioned

    context: CliContext = ctx.obj
    try:
        settings = context.settings()
        declarations = load_declarations(settings.project_dir, settings.sandbox)
    except ConfigError as error:
        if output_format != "json":
            raise
        click.echo(json.dumps(versioned({"valid": False, "problems": _problems_of(error)}), indent=2))
        ctx.exit(ExitCode.ERROR)
    counts = summary(declarations)
    if output_format == "json":
        click.echo(json.dumps(versioned({"valid": True, "problems": [], **counts}), indent=2))
        return
    click.echo(
        f"OK: {_plural(counts['datasets'], 'dataset')}, {_plural(counts['exports'], 'export')} "
        f"in {_plural(len(counts['files']), 'file')} (sandbox {counts['sandbox']})"
    )
    for skipped in counts["skipped_files"]:
        click.echo(f"skipped {skipped['file']}: pinned to sandbox {skipped['sandbox']}")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


@click.command()
@click.argument("which", required=False, type=click.Choice(["exports", "settings"]))
@click.option(
    "--write",
    "write_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write exports.schema.json and settings.schema.json into DIR instead of printing.",
)
@click.option(
    "--check",
    "check_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Exit 1 if the schema files in DIR are missing or out of date.",
)
def schema(which: str | None, write_dir: Path | None, check_dir: Path | None) -> None:
    """Print the JSON Schemas of the declaration and settings files.

    WHICH selects one (exports or settings); without it both are printed, keyed by file name.
    """
    from aep_exports.config import json_schemas

    if write_dir is not None:
        for path in json_schemas.write_schemas(write_dir):
            click.echo(f"wrote {path}")
        return
    if check_dir is not None:
        stale = json_schemas.stale_schemas(check_dir)
        if stale:
            raise ConfigError(
                [f"{check_dir / name}: out of date" for name in stale],
                hint=f"Regenerate with `{json_schemas.REGENERATE}`.",
            )
        click.echo(f"schemas in {check_dir} are up to date")
        return
    if which is not None:
        click.echo(json_schemas.render(json_schemas.SCHEMAS[f"{which}.schema.json"]()), nl=False)
        return
    both = {name: build() for name, build in json_schemas.SCHEMAS.items()}
    click.echo(json_schemas.render(both), nl=False)
