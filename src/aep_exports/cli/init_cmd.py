"""``aep-exports init [DIR]``: scaffold a project that validates, plans and applies on the local platform."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def init(ctx: click.Context, directory: Path | None) -> None:
    """Scaffold a new project in DIRECTORY (default: the --project directory, i.e. here).

    \b
    Writes, never overwriting an existing file:
      aep-exports.yaml                   settings: the local platform; Adobe settings commented
      exports/example.yaml               one dataset and one daily incremental export
      .gitignore                         local state, the local platform's data, saved plans, downloads
      .github/workflows/aep-exports.yml  plan on pull requests, apply on main, drift on a schedule
      schemas/*.schema.json              JSON Schemas for editor completion
    """
    from aep_exports.scaffold import scaffold_project

    # Never the project found upward: `init` in a subdirectory starts a project there.
    given = ctx.obj.project_dir if ctx.obj else None
    target = directory if directory is not None else given if given is not None else Path(".")
    results = scaffold_project(target)
    for item in results:
        if item.outcome == "created":
            click.echo(f"  created  {item.path}")
        else:
            click.echo(f"  skipped  {item.path} (already exists; left unchanged)")
    created = sum(1 for item in results if item.outcome == "created")
    where = "this directory" if target.resolve() == Path.cwd().resolve() else str(target)
    click.echo(f"\nInitialised an aep-exports project in {where}: {created} file(s) created, "
               f"{len(results) - created} left unchanged.")
    steps = [] if where == "this directory" else [f"  cd {target}"]
    steps += ["  aep-exports validate      check the settings and declarations",
              "  aep-exports plan          see what apply would do (on the local platform)",
              "  aep-exports apply --wait  do it, and follow the runs to the end"]
    click.echo("Next steps:\n" + "\n".join(steps))
    click.echo("For CI (secrets, PostgreSQL state, schedule), read the comments at the top of "
               ".github/workflows/aep-exports.yml.")
