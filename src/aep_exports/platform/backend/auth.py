"""IMS: API clients, their orgs, and expiring bearer tokens (persisted, so they survive a restart)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aep_exports.platform import ids
from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_ORG_ID
from aep_exports.platform.errors import PlatformError
from aep_exports.platform.persistence import Database

DEFAULT_TOKEN_LIFETIME_S = 86_399  # IMS answers expires_in=86399


@dataclass(frozen=True)
class ApiClient:
    """A registered integration: its credentials and the orgs it is entitled to act for."""

    client_id: str
    client_secret: str
    org_ids: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, spec: str) -> ApiClient:
        """``CLIENT_ID:CLIENT_SECRET:ORG_ID[,ORG_ID...]`` (the ``--client`` flag of ``platform serve``)."""
        parts = spec.split(":", 2)
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"client must be CLIENT_ID:CLIENT_SECRET:ORG_ID, got {spec!r}")
        return cls(parts[0], parts[1], frozenset(org.strip() for org in parts[2].split(",") if org.strip()))


DEV_CLIENT = ApiClient(DEV_CLIENT_ID, DEV_CLIENT_SECRET, frozenset({DEV_ORG_ID}))


@dataclass(frozen=True)
class TokenInfo:
    client_id: str
    org_id: str
    expires_at: float  # epoch seconds, real time


def _ims_error(status: int, error: str, description: str) -> PlatformError:
    return PlatformError(status, {"error": error, "error_description": description})


class AuthBackend:
    """Issues and checks tokens. Expiry counts real time: the platform clock moves data, not credentials."""

    def __init__(self, db: Database, clients: list[ApiClient], token_lifetime_s: float) -> None:
        self._db = db
        self.clients = {client.client_id: client for client in clients}
        self.token_lifetime_s = token_lifetime_s
        self._cache: dict[str, TokenInfo] = {}
        self._lock = threading.Lock()

    def issue_token(self, form: dict[str, str]) -> dict[str, Any]:
        """``POST /ims/token/v3`` with client credentials → ``{access_token, token_type, expires_in}``."""
        grant = form.get("grant_type", "client_credentials")
        if grant != "client_credentials":
            raise _ims_error(400, "unsupported_grant_type", f"grant_type {grant!r} is not supported")
        client_id = form.get("client_id", "")
        if not client_id:
            raise _ims_error(400, "invalid_request", "client_id is required")
        client = self.clients.get(client_id)
        if client is None:
            raise _ims_error(400, "invalid_client", "invalid client_id parameter")
        if form.get("client_secret", "") != client.client_secret:
            raise _ims_error(401, "invalid_client", "invalid client_secret parameter")
        lifetime = self.token_lifetime_s
        info = TokenInfo(
            client.client_id, min(client.org_ids) if client.org_ids else "", time.time() + lifetime
        )
        token = ids.access_token()
        self._db.execute(
            "INSERT INTO tokens (token, client_id, org_id, expires_ms) VALUES (?, ?, ?, ?)",
            (token, info.client_id, info.org_id, int(info.expires_at * 1000)),
        )
        with self._lock:
            self._cache[token] = info
        return {"access_token": token, "token_type": "bearer", "expires_in": max(0, int(lifetime))}

    def token_info(self, token: str) -> TokenInfo | None:
        """The client behind a live token, or None when unknown or expired."""
        with self._lock:
            info = self._cache.get(token)
        if info is None:
            row = self._db.query_one(
                "SELECT client_id, org_id, expires_ms FROM tokens WHERE token = ?", (token,)
            )
            if row is None:
                return None
            info = TokenInfo(str(row[0]), str(row[1]), int(row[2]) / 1000)
            with self._lock:
                self._cache[token] = info
        return info if info.expires_at > time.time() else None
