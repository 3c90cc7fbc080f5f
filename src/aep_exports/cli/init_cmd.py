"""``aep-exports init [DIR]``: scaffold a project that validates, plans and applies on the local platform."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--action", metavar="OWNER/REPO@REF", default=None,
    help="The aep-exports GitHub Action the workflow installs with, pinned by its tag "
    "(e.g. my-org/aep-exports@v0.1.0) [default: a placeholder to replace, which fails until then].",
)
@click.pass_context
def init(ctx: click.Context, directory: Path | None, action: str | None) -> None:
    """Scaffold a new project in DIRECTORY (default: the --project directory, i.e. here).

    \b
    Writes, never overwriting an existing file:
      aep-exports.yaml                   settings: the local platform; Adobe settings commented
      exports/example.yaml               one dataset and one daily incremental export
      .gitignore                         local state, the local platform's data, saved plans, downloads
      .github/workflows/aep-exports.yml  plan on pull requests, apply on main, drift on a schedule
      schemas/*.schema.json              JSON Schemas for editor completion

    The workflow installs aep-exports with the GitHub Action of --action OWNER/REPO@REF (this
    repository's action.yml, at the tag that pins the version).
    """
    from aep_exports.scaffold import check_action, placeholder_action, scaffold_project

    # Never the project found upward: `init` in a subdirectory starts a project there.
    given = ctx.obj.project_dir if ctx.obj else None
    target = directory if directory is not None else given if given is not None else Path(".")
    if action is not None:
        action = check_action(action)
    results = scaffold_project(target, action=action)
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
    workflow = next(item for item in results if item.path.endswith("aep-exports.yml"))
    if action is None and workflow.outcome == "created":
        click.echo(f"The workflow installs aep-exports with the placeholder action {placeholder_action()}: "
                   "replace it with your copy's OWNER/REPO@TAG (or pass --action) before pushing.")
