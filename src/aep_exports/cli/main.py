"""The ``aep-exports`` root command: global flags, debug logging, and the exit-code contract.

Our errors are ``click.ClickException`` subclasses, so click prints and exits for them; the root
group only adds what click does not: usage errors exit 64 (click's 2 is our "changes pending"),
Ctrl-C exits 130, and ``--debug`` shows the traceback of an error.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from aep_exports import __version__
from aep_exports.cli.context import CliContext
from aep_exports.cli.lazy import ENV_PREFIX, LazyGroup
from aep_exports.errors import AepExportsError, ExitCode, Interrupted

COMMANDS = {
    "doctor": "aep_exports.cli.doctor_cmd:doctor",
    "validate": "aep_exports.cli.validate_cmd:validate",
    "schema": "aep_exports.cli.validate_cmd:schema",
    "refresh": "aep_exports.cli.plan_cmd:refresh",
    "plan": "aep_exports.cli.plan_cmd:plan",
    "drift": "aep_exports.cli.plan_cmd:drift",
    "show": "aep_exports.cli.show_cmd:show",
    "state": "aep_exports.cli.state_cmd:state",
    "apply": "aep_exports.cli.apply_cmd:apply",
    "status": "aep_exports.cli.status_cmd:status",
    "import": "aep_exports.cli.import_cmd:import_",
    "download": "aep_exports.cli.download_cmd:download",
    "init": "aep_exports.cli.init_cmd:init",
    "platform": "aep_exports.cli.platform_cmd:platform",
    "demo": "aep_exports.cli.demo_cmd:demo",
    "report": "aep_exports.cli.report_cmd:report",
}


class RootGroup(LazyGroup):
    """Maps click's usage errors to exit 64 and Ctrl-C to exit 130; shows tracebacks with --debug."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            _as_usage(exc)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            _as_usage(exc)
            raise
        except AepExportsError:
            if isinstance(ctx.obj, CliContext) and ctx.obj.debug:
                traceback.print_exc()
            raise
        except click.Abort as exc:
            # click turns Ctrl-C at a prompt into Abort; a declined confirmation stays exit 1.
            if isinstance(exc.__context__, KeyboardInterrupt):
                raise Interrupted() from None
            raise
        except KeyboardInterrupt:
            raise Interrupted() from None


def _as_usage(exc: click.UsageError) -> None:
    exc.exit_code = ExitCode.USAGE  # type: ignore[misc]  # click's 2 means "changes pending" here


_debug_handler: logging.Handler | None = None


def install_debug_logging() -> None:
    """Log every logger at DEBUG to stderr through one handler that redacts secrets and URL user info.

    The filter sits on the handler, not on a logger: a logger's filter does not apply to records of
    its children (``httpcore.http11``, ``aep_exports.client.requester``), a handler's applies to all.
    """
    global _debug_handler
    from aep_exports.client.observe import RedactingFilter

    root = logging.getLogger()
    if _debug_handler is not None:
        root.removeHandler(_debug_handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    _debug_handler = handler


@click.group(
    "aep-exports",
    cls=RootGroup,
    lazy_subcommands=COMMANDS,
    context_settings={
        "help_option_names": ["-h", "--help"],
        "max_content_width": 100,
        "auto_envvar_prefix": ENV_PREFIX,
    },
)
@click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, envvar="AEP_EXPORTS_PROJECT",
              help="Project directory holding aep-exports.yaml and exports/ [default: the nearest "
                   "such directory upward from here, as git finds its repository].")
@click.option("--sandbox", allow_from_autoenv=False,
              help="Sandbox to work on (overrides AEP_SANDBOX_NAME and the settings file).")
@click.option("--platform", "platform_", metavar="local|URL", allow_from_autoenv=False,
              help="Platform to talk to: 'local' (the embedded emulator) or a base URL "
                   "(overrides AEP_PLATFORM).")
@click.option("--debug", is_flag=True,
              help="Log one line per request (secrets redacted) and show tracebacks.")
@click.version_option(__version__, prog_name="aep-exports")
@click.pass_context
def cli(
    ctx: click.Context, project_dir: Path | None, sandbox: str | None, platform_: str | None, debug: bool
) -> None:
    """Adobe Experience Platform profile exports as code.

    Declare datasets and recurring export jobs in YAML under exports/, review what would
    change with `plan`, carry it out with `apply`, and check for out-of-band changes with
    `drift`. `platform: local` (the default of `init`) runs everything offline against an
    embedded emulator of the platform.

    \b
    Exit codes: 0 ok · 1 error · 2 changes pending · 3 drift · 4 stale saved plan (nothing done)
    · 64 usage error · 130 interrupted.
    Every option can also be set in the environment: AEP_EXPORTS_<COMMAND>_<OPTION>
    (e.g. AEP_EXPORTS_APPLY_WAIT=1); AEP_EXPORTS_LOCK_TIMEOUT and AEP_EXPORTS_NOW apply to
    every command that has the option.
    """
    if debug:
        install_debug_logging()
    ctx.obj = CliContext(project_dir=project_dir, sandbox=sandbox, platform=platform_, debug=debug)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: click's standalone mode prints errors and exits with their codes."""
    cli.main(args=argv, prog_name="aep-exports")


if __name__ == "__main__":  # pragma: no cover
    main()
