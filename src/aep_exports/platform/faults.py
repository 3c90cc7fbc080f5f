"""Failure modes on demand: latency, rate limits, 5xx answers, dropped responses, failing and hanging jobs.

Configured by ``platform serve`` flags, a JSON/YAML file (``--faults FILE``) and ``GET/PUT /local/faults``.
HTTP faults apply to the API routes (``/data/...``) only; IMS and the ``/local/`` admin routes are never
disturbed, so a test can always reconfigure or inspect the platform. Rate limiting counts real time (it
protects the server, not the data), job fates are decided when a job is created.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

JOB_SUCCEEDS, JOB_FAILS, JOB_HANGS = "succeed", "fail", "hang"
_RATES = ("error_rate", "drop_rate", "job_failure_rate", "job_hang_rate")


@dataclass(frozen=True)
class FaultConfig:
    """What goes wrong, and how often. All zero: nothing does."""

    latency_ms: float = 0.0  # added to every API answer
    jitter_ms: float = 0.0  # plus a uniform random 0..jitter_ms
    rate_limit: float = 0.0  # API requests per second per client (x-api-key); 0 = unlimited
    retry_after_s: int = 1  # Retry-After sent with a 429 (at least the time until a slot frees)
    error_rate: float = 0.0  # share of API requests answered 500 or 503 without taking effect
    drop_rate: float = 0.0  # share of POSTs that take effect but whose answer is lost
    job_failure_rate: float = 0.0  # share of new export jobs that end FAILED
    job_hang_rate: float = 0.0  # share of new export jobs that stay PROCESSING forever
    fail_next_jobs: int = 0  # the next N new export jobs end FAILED, whatever the rates (counts down)
    seed: int | None = None  # makes the random choices repeatable

    @classmethod
    def from_mapping(cls, data: dict[str, Any], base: FaultConfig | None = None) -> FaultConfig:
        """Validate a mapping (snake_case or camelCase keys) on top of ``base`` (default: no faults)."""
        known = {f.name: f for f in fields(cls)}
        values = asdict(base or cls())
        for key, value in data.items():
            name = _snake(key)
            if name not in known:
                raise ValueError(f"unknown fault setting {key!r}; known: {', '.join(sorted(known))}")
            values[name] = _coerce(name, value)
        config = cls(**values)
        config.validate()
        return config

    @classmethod
    def from_file(cls, path: Path) -> FaultConfig:
        """A JSON or YAML file holding one mapping of settings."""
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping of fault settings")
        return cls.from_mapping(data)

    def validate(self) -> None:
        for name in _RATES:
            rate = getattr(self, name)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {rate}")
        if self.job_failure_rate + self.job_hang_rate > 1.0:
            raise ValueError("job_failure_rate + job_hang_rate must not exceed 1")
        for name in ("latency_ms", "jitter_ms", "rate_limit", "fail_next_jobs"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.retry_after_s < 1:
            raise ValueError("retry_after_s must be at least 1")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _snake(key: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in key).replace("-", "_")


def _coerce(name: str, value: Any) -> Any:
    if name == "seed":
        return None if value is None else int(value)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise ValueError(f"{name} must be a finite number")
    if name in ("retry_after_s", "fail_next_jobs"):
        if number != int(number):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        return int(number)
    return number


class FaultInjector:
    """Draws the random decisions for one platform process. Thread-safe."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, deque[float]] = {}
        self.configure(config or FaultConfig())

    @property
    def config(self) -> FaultConfig:
        return self._config

    def configure(self, config: FaultConfig) -> None:
        """Replace the settings (and restart the random sequence and rate windows)."""
        config.validate()
        with self._lock:
            self._config = config
            self._random = random.Random(config.seed)
            self._windows.clear()

    def delay_s(self) -> float:
        """How long to hold this answer back."""
        config = self._config
        if not config.latency_ms and not config.jitter_ms:
            return 0.0
        with self._lock:
            jitter = self._random.uniform(0, config.jitter_ms) if config.jitter_ms else 0.0
        return (config.latency_ms + jitter) / 1000.0

    def throttle(self, client_id: str) -> int | None:
        """Seconds to wait if ``client_id`` is over its limit (sliding one-second window), else None."""
        limit = self._config.rate_limit
        if not limit:
            return None
        now = time.monotonic()
        with self._lock:
            window = self._windows.setdefault(client_id, deque())
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= limit:
                wait = 1.0 - (now - window[0])
                return max(self._config.retry_after_s, math.ceil(wait))
            window.append(now)
            return None

    def injected_error(self) -> int | None:
        """500 or 503 for a share of requests, else None."""
        rate = self._config.error_rate
        if not rate:
            return None
        with self._lock:
            if self._random.random() >= rate:
                return None
            return self._random.choice((500, 503))

    def drop_response(self, method: str) -> bool:
        """Whether this POST's answer is lost after it took effect."""
        rate = self._config.drop_rate
        if not rate or method != "POST":
            return False
        with self._lock:
            return self._random.random() < rate

    def job_fate(self) -> str:
        """How a new export job will end (``fail_next_jobs`` first, counting down, then the rates)."""
        config = self._config
        if config.fail_next_jobs:
            with self._lock:
                left = self._config.fail_next_jobs
                if left:
                    self._config = replace(self._config, fail_next_jobs=left - 1)
                    return JOB_FAILS
        if not config.job_failure_rate and not config.job_hang_rate:
            return JOB_SUCCEEDS
        with self._lock:
            draw = self._random.random()
        if draw < config.job_failure_rate:
            return JOB_FAILS
        if draw < config.job_failure_rate + config.job_hang_rate:
            return JOB_HANGS
        return JOB_SUCCEEDS
