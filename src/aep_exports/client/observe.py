"""Counters for benchmarks and the redaction every log line and error message goes through."""

from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass, fields

from aep_exports.redact import redact_url_credentials

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
    """Replaces every known credential (configured secrets and issued tokens) and URL user info by ``***``."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        self._secrets: set[str] = set()
        for secret in secrets or []:
            self.add(secret)
        _LIVE_REDACTORS.add(self)
        _install_logger_filters()

    def add(self, secret: str) -> None:
        if secret and len(secret) >= _MIN_SECRET_LEN:
            self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, REDACTED)
        return redact_url_credentials(text)


# Every live client's redactor, so that a log handler can clean what httpx/httpcore log too.
_LIVE_REDACTORS: weakref.WeakSet[Redactor] = weakref.WeakSet()
# For a program that embeds the client with its own logging set-up: a logger's filter sees only the
# records of that very logger (not of its children), so every logger the HTTP stack logs on is named.
CLIENT_LOGGERS = (
    "aep_exports.client",
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
)
_install_lock = threading.Lock()
_installed = False


class RedactingFilter(logging.Filter):
    """A handler filter: every record's message, exception and stack text loses the credentials of
    every live client and any URL user info. Put it on a handler (``--debug`` does): a logger's
    filter does not see the records of its child loggers."""

    def filter(self, record: logging.LogRecord) -> bool:
        redactors = list(_LIVE_REDACTORS)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = redact_url_credentials(message)
        for redactor in redactors:
            cleaned = redactor(cleaned)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text, redactors)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info, redactors)
        return True

    @staticmethod
    def _clean(text: str, redactors: list[Redactor]) -> str:
        text = redact_url_credentials(text)
        for redactor in redactors:
            text = redactor(text)
        return text


def _install_logger_filters() -> None:
    global _installed
    with _install_lock:
        if _installed:
            return
        shared = RedactingFilter()
        for name in CLIENT_LOGGERS:
            logging.getLogger(name).addFilter(shared)
        _installed = True
