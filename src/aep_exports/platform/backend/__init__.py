"""The platform's rules as plain objects: no HTTP here, errors carry status and body."""

from aep_exports.platform.backend.scope import Caller

__all__ = ["Caller"]
