"""Counters for benchmarks and the redaction every log line and error message goes through."""

from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass, fields

logger = logging.getLogger("aep_exports.client")

REDACTED = "***"
# Shorter strings would redact ordinary words; real secrets and tokens are far longer.
_MIN_SECRET_LEN = 4


@dataclass(frozen=True)
class ClientStats:
    """A snapshot of a client's counters."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    transport_errors: int = 0
    reauthentications: int = 0
    token_fetches: int = 0
    bytes_in: int = 0
    bytes_out: int = 0


class Counters:
    """Mutable, thread-safe counters behind ``stats()``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values = {f.name: 0 for f in fields(ClientStats)}

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._values[name] += amount

    def snapshot(self) -> ClientStats:
        with self._lock:
            return ClientStats(**self._values)

    def reset(self) -> None:
        with self._lock:
            for key in self._values:
                self._values[key] = 0


class Redactor:
    """Replaces every known credential (configured secrets and issued tokens) by ``***``."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        self._secrets: set[str] = set()
        for secret in secrets or []:
            self.add(secret)
        _LIVE_REDACTORS.add(self)
        _install_log_filter()

    def add(self, secret: str) -> None:
        if secret and len(secret) >= _MIN_SECRET_LEN:
            self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


# Every live client's redactor also cleans what httpx/httpcore log (URLs at INFO, traces at DEBUG),
# since `--debug` may turn on the root logger.
_LIVE_REDACTORS: weakref.WeakSet[Redactor] = weakref.WeakSet()
_FILTERED_LOGGERS = ("aep_exports.client", "httpx", "httpcore")
_install_lock = threading.Lock()
_installed = False


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        redactors = list(_LIVE_REDACTORS)
        if not redactors:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = message
        for redactor in redactors:
            cleaned = redactor(cleaned)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def _install_log_filter() -> None:
    global _installed
    with _install_lock:
        if _installed:
            return
        shared = _RedactingFilter()
        for name in _FILTERED_LOGGERS:
            logging.getLogger(name).addFilter(shared)
        _installed = True
