"""Access tokens: an IMS client-credentials token cached until shortly before it expires, or a static one."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aep_exports.errors import AuthError

from .config import ClientConfig, ClientCredentials, StaticToken

# What IMS answered: parsed JSON of POST /ims/token/v3.
TokenFetcher = Callable[[dict[str, str]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class _Cached:
    value: str
    refresh_at: float


class TokenSource:
    """Hands out the current access token; ``invalidate`` after a 401 forces one more fetch."""

    def __init__(
        self,
        config: ClientConfig,
        fetch: TokenFetcher,
        *,
        on_new_token: Callable[[str], None] = lambda _t: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._fetch = fetch
        self._on_new_token = on_new_token
        self._clock = clock
        self._cached: _Cached | None = None
        self._lock: asyncio.Lock | None = None
        self.fetches = 0

    @property
    def refreshable(self) -> bool:
        return isinstance(self._config.credentials, ClientCredentials)

    def _refresh_margin(self, expires_in: float) -> float:
        # Long-lived tokens: renew `token_refresh_margin` early; short ones: at 90% of their life.
        return min(self._config.token_refresh_margin, expires_in * 0.1)

    async def token(self) -> str:
        creds = self._config.credentials
        if isinstance(creds, StaticToken):
            return creds.access_token.reveal()
        cached = self._cached
        if cached is not None and self._clock() < cached.refresh_at:
            return cached.value
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            cached = self._cached
            if cached is not None and self._clock() < cached.refresh_at:
                return cached.value
            return await self._fetch_new(creds)

    async def _fetch_new(self, creds: ClientCredentials) -> str:
        form = {
            "grant_type": "client_credentials",
            "client_id": creds.client_id,
            "client_secret": creds.client_secret.reveal(),
            "scope": ",".join(creds.scopes),
        }
        started = self._clock()
        answer = await self._fetch(form)
        self.fetches += 1
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise AuthError(
                "IMS answered without an access token",
                method="POST",
                path=self._config.token_url,
                hint="check AEP_IMS_URL",
            )
        self._on_new_token(token)
        expires_raw = answer.get("expires_in", 86399)
        try:
            expires_in = float(expires_raw)
        except (TypeError, ValueError):
            expires_in = 3600.0
        # Some IMS versions answer milliseconds; a day in ms is far beyond any token's life in seconds.
        if expires_in > 10 * 86400:
            expires_in /= 1000.0
        self._cached = _Cached(token, started + expires_in - self._refresh_margin(expires_in))
        return token

    def invalidate(self, token: str) -> bool:
        """Drop ``token`` if it is still the cached one; True if a new fetch can help."""
        if not self.refreshable:
            return False
        if self._cached is not None and self._cached.value == token:
            self._cached = None
        return True
