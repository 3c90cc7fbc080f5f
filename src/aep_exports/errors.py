"""The one exception tree of aep-exports.

Every error a user can cause or meet carries its exit code and an optional hint. The root is a
``click.ClickException``, so click itself prints ``Error: …`` / ``Hint: …`` on stderr and exits with
the error's code: the installed script and ``CliRunner().invoke(cli, …)`` behave alike.
Messages never contain secrets.
"""

from __future__ import annotations

from enum import IntEnum
from typing import IO, Any

import click


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    CHANGES = 2
    DRIFT = 3
    # A saved plan no longer matches the state or declarations: nothing was done. CI tells it from
    # other failures by this code (never by the message's words) and plans again.
    STALE_PLAN = 4
    USAGE = 64
    INTERRUPTED = 130


class AepExportsError(click.ClickException):
    """Root of every error aep-exports raises on purpose."""

    exit_code = ExitCode.ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def show(self, file: IO[Any] | None = None) -> None:
        """``Error: message`` and, when there is one, ``Hint: hint`` on stderr."""
        click.echo(f"Error: {self.format_message()}", file=file, err=file is None)
        if self.hint:
            click.echo(f"Hint: {self.hint}", file=file, err=file is None)


class UsageError(AepExportsError):
    """The command line itself is wrong."""

    exit_code = ExitCode.USAGE


class Interrupted(AepExportsError):
    """Ctrl-C: exit 130, as a shell reports a command killed by SIGINT."""

    exit_code = ExitCode.INTERRUPTED

    def __init__(self) -> None:
        super().__init__("interrupted")

    def show(self, file: IO[Any] | None = None) -> None:
        """``Interrupted.``, as the user pressed Ctrl-C: nothing went wrong to explain."""
        click.echo("Interrupted.", file=file, err=file is None)


class MissingExtraError(AepExportsError):
    """A command needs optional packages that are not installed."""

    def __init__(self, extra: str, purpose: str, missing: list[str]) -> None:
        super().__init__(
            f"{purpose} needs the '{extra}' extra ({', '.join(missing)} not installed)",
            hint=f"pip install 'aep-exports[{extra}]'",
        )
        self.extra = extra


class ConfigError(AepExportsError):
    """Settings or declarations are invalid; ``problems`` holds one line per finding."""

    def __init__(self, problems: list[str], *, hint: str | None = None) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = "1 problem" if count == 1 else f"{count} problems"
        super().__init__(f"{head} in the configuration:\n" + "\n".join(self.problems), hint=hint)


class StateError(AepExportsError):
    """The state document is unreadable, corrupt, from a newer version, or inconsistent."""


class LockError(StateError):
    """Another process holds the state lock."""

    def __init__(self, message: str, *, holder: dict[str, Any] | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.holder = holder or {}


class PlanError(AepExportsError):
    """The plan cannot be made (e.g. a declaration references something that does not exist)."""


class StalePlanError(AepExportsError):
    """A saved plan no longer matches the state or the declarations (exit 4; nothing was done)."""

    exit_code = ExitCode.STALE_PLAN


class TamperedPlanError(StalePlanError):
    """A saved plan was edited after it was made: an action's digest does not match its content.

    Exit 1, not the stale-plan code: a CI job re-plans a stale plan on its own, an edited one is refused.
    """

    exit_code = ExitCode.ERROR


class ApplyError(AepExportsError):
    """Some actions of an apply failed; the rest ran."""


class CheckFailed(AepExportsError):
    """``status --check``: an export is failing, breached its expectations or is late (exit 1)."""


class ImportRefusedError(AepExportsError):
    """``import`` cannot adopt the resource: not declared, not on the platform, or already managed."""


class ApiError(AepExportsError):
    """A platform call failed. Carries the request line and the platform's error, never credentials."""

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
        code: str | None = None,
        title: str | None = None,
        detail: str | None = None,
        request_id: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.request_id = request_id

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(method={self.method!r}, path={self.path!r}, status={self.status!r}, "
            f"code={self.code!r}, request_id={self.request_id!r})"
        )


class AuthError(ApiError):
    """401/403 from the gateway or IMS: credentials missing, invalid, or not entitled."""


class NotFoundError(ApiError):
    """404."""


class ConflictError(ApiError):
    """409/412."""


class BadRequestError(ApiError):
    """400/422: the platform refused the request body or parameters."""


class RateLimitedError(ApiError):
    """429 after the retry budget ran out."""


class ServerError(ApiError):
    """5xx after the retry budget ran out."""


class TransportError(ApiError):
    """The platform could not be reached (connection refused, DNS, TLS, timeout before sending)."""


class RunNotStarted(ApiError):
    """An export run's job could not be created, or whether it was is still unknown."""


class AmbiguousWriteError(ApiError):
    """A write was sent but its outcome is unknown; it was not re-sent.

    ``request_body`` is what was sent, so the caller can look for the resource before trying again.
    """

    def __init__(self, message: str, *, request_body: Any = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.request_body = request_body
