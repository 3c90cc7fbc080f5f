"""The ``aep-exports`` root command and the one place errors become messages and exit codes."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from aep_exports import __version__
from aep_exports.cli.context import CliContext
from aep_exports.cli.lazy import LazyGroup
from aep_exports.errors import AepExportsError, ExitCode

COMMANDS = {
    "validate": "aep_exports.cli.validate_cmd:validate",
    "schema": "aep_exports.cli.validate_cmd:schema",
    "refresh": "aep_exports.cli.plan_cmd:refresh",
    "plan": "aep_exports.cli.plan_cmd:plan",
    "drift": "aep_exports.cli.plan_cmd:drift",
    "state": "aep_exports.cli.state_cmd:state",
    "apply": "aep_exports.cli.apply_cmd:apply",
    "status": "aep_exports.cli.status_cmd:status",
    "import": "aep_exports.cli.import_cmd:import_",
    "download": "aep_exports.cli.download_cmd:download",
    "init": "aep_exports.cli.init_cmd:init",
    "platform": "aep_exports.cli.platform_cmd:platform",
    "demo": "aep_exports.cli.demo_cmd:demo",
}


@click.group(
    cls=LazyGroup,
    lazy_subcommands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
              default=".", show_default=True, envvar="AEP_EXPORTS_PROJECT",
              help="Project directory holding aep-exports.yaml and exports/.")
@click.option("--sandbox", help="Sandbox to work on (overrides AEP_SANDBOX_NAME and the settings file).")
@click.option("--platform", "platform_", metavar="local|URL",
              help="Platform to talk to: 'local' (the embedded emulator) or a base URL.")
@click.option("--debug", is_flag=True, help="Log one line per request and show tracebacks.")
@click.version_option(__version__, prog_name="aep-exports")
@click.pass_context
def cli(
    ctx: click.Context, project_dir: Path, sandbox: str | None, platform_: str | None, debug: bool
) -> None:
    """Adobe Experience Platform profile exports as code.

    Declare datasets and recurring export jobs in YAML under exports/, review what would
    change with `plan`, carry it out with `apply`, and check for out-of-band changes with
    `drift`. `platform: local` (the default of `init`) runs everything offline against an
    embedded emulator of the platform.

    \b
    Exit codes: 0 ok · 1 error · 2 changes pending · 3 drift · 64 usage error.
    """
    if debug:
        logging.basicConfig(level=logging.DEBUG, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    ctx.obj = CliContext(project_dir=project_dir, sandbox=sandbox, platform=platform_, debug=debug)


def _report(error: AepExportsError) -> None:
    click.echo(f"Error: {error.message}", err=True)
    if error.hint:
        click.echo(f"Hint: {error.hint}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI and map every outcome to an exit code."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        result = cli.main(args=argv, prog_name="aep-exports", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(ExitCode.ERROR)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.USAGE if isinstance(exc, click.UsageError) else ExitCode.ERROR)
    except AepExportsError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        _report(exc)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    sys.exit(result if isinstance(result, int) else ExitCode.OK)


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
