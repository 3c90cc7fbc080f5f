"""The local platform's administration routes (``/local/*``), which Adobe's API does not have.

Tests, benchmarks and the CLI move the local platform's clock, seed its profile stores, inject
faults, choose its contract variants and read its request statistics through this one class instead
of hand-written requests::

    admin = client.local_admin
    admin.set_clock(datetime(2024, 5, 1, 3, tzinfo=UTC))
    admin.set_faults(drop_rate=1.0)
    admin.seed(profiles=20)                      # the client's org and sandbox
    admin.set_contract(cancelled_job="gone")     # one open point of the contract, the others default

The calls carry no credentials and bypass the rate limiter (the routes need neither); a 4xx answer
(an unknown fault name or contract variant, a clock moved backwards by ``advance``) is a
``BadRequestError``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .requester import Call

if TYPE_CHECKING:
    from .async_client import AsyncPlatformClient
    from .sync_client import PlatformClient

LOCAL = "/local"


def _instant(text: Any) -> datetime:
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class LocalAdmin:
    """Clock, seed, faults, contract variants, statistics, settings and reset of a local platform."""

    def __init__(self, client: PlatformClient) -> None:
        self._client = client

    def _send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        idempotent: bool = True,
        params: dict[str, str] | None = None,
    ) -> Any:
        # Repeating any of these after a lost answer changes nothing, except moving the clock forward.
        call = Call(
            method,
            f"{LOCAL}{path}",
            params=params,
            json_body=body,
            authenticated=False,
            limited=False,
            idempotent=idempotent,
        )

        async def send(aio: AsyncPlatformClient) -> Any:
            reply = await aio._req.call(call)
            return reply.json()

        return self._client.call(send)

    # -- clock -----------------------------------------------------------------------------

    def clock(self) -> datetime:
        """The platform's current instant (it may have been set or moved)."""
        return _instant(self._send("GET", "/clock")["now"])

    def set_clock(self, instant: datetime) -> datetime:
        """Move the platform's clock to ``instant`` (jobs advance by it); returns the new instant."""
        return _instant(self._send("POST", "/clock", {"set": instant.isoformat()})["now"])

    def advance_clock(self, by: timedelta) -> datetime:
        """Move the platform's clock forward by ``by``; returns the new instant."""
        answer = self._send("POST", "/clock", {"advance": by.total_seconds()}, idempotent=False)
        return _instant(answer["now"])

    def freeze_clock(self, frozen: bool = True) -> datetime:
        """Stop (or restart) the platform's clock; returns the current instant."""
        return _instant(self._send("POST", "/clock", {"freeze": frozen})["now"])

    # -- data ------------------------------------------------------------------------------

    def seed(self, *, profiles: int = 1000, seed: int = 42, sandbox: str | None = None) -> dict[str, Any]:
        """A synthetic profile store for the client's org and ``sandbox`` (default: the client's)."""
        body = {
            "profiles": profiles,
            "seed": seed,
            "org": self._client.config.org_id,
            "sandbox": sandbox or self._client.sandbox,
        }
        answer: dict[str, Any] = self._send("POST", "/seed", body)
        return answer

    def profile_counts(self, *, sandbox: str | None = None) -> dict[str, int]:
        """Rows per table (``profiles``, ``events``, ...) of the profile store of the client's org and
        ``sandbox`` (default: the client's); ``profiles`` is 0 for an empty or absent store. Reads only."""
        where = {"org": self._client.config.org_id, "sandbox": sandbox or self._client.sandbox}
        answer: dict[str, Any] = self._send("GET", "/profiles", params=where)
        counts: dict[str, int] = answer["counts"]
        return counts

    def reset(self, *, profiles: bool = False) -> None:
        """Forget every dataset, batch, file and job (and with ``profiles``, the profile stores);
        clock, faults, settings and statistics back to how the platform started."""
        self._send("POST", "/reset", {"profiles": profiles})

    # -- faults, settings, statistics ------------------------------------------------------

    def faults(self) -> dict[str, Any]:
        """The fault settings in force."""
        answer: dict[str, Any] = self._send("GET", "/faults")
        return answer

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        """Replace the fault settings (``error_rate``, ``drop_rate``, ``latency_ms``, ``rate_limit``, ...);
        omitted ones are off, so ``set_faults()`` turns every fault off."""
        answer: dict[str, Any] = self._send("PUT", "/faults", faults)
        return answer

    def contract(self) -> dict[str, str]:
        """The contract variant in force for every open point (docs/local-platform.md lists them)."""
        answer: dict[str, str] = self._send("GET", "/contract")
        return answer

    def set_contract(self, **variants: str) -> dict[str, str]:
        """Replace the contract variants, e.g. ``set_contract(cancelled_job="gone")``; omitted ones go
        back to their default, so ``set_contract()`` restores them all. Stored jobs answer in the new
        shape from now on. Returns every variant."""
        answer: dict[str, str] = self._send("PUT", "/contract", variants)
        return answer

    def settings(self) -> dict[str, Any]:
        """Runtime settings (``job_duration_s``, ``token_lifetime_s``, ``rows_per_file``, ...)."""
        answer: dict[str, Any] = self._send("GET", "/settings")
        return answer

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change runtime settings, e.g. ``configure(job_duration_s=60)``; returns them all."""
        answer: dict[str, Any] = self._send("PUT", "/settings", settings)
        return answer

    def stats(self) -> dict[str, Any]:
        """Requests the platform received, per route and status."""
        answer: dict[str, Any] = self._send("GET", "/stats")
        return answer

    def clear_stats(self) -> dict[str, Any]:
        """Zero the request statistics."""
        answer: dict[str, Any] = self._send("DELETE", "/stats")
        return answer
