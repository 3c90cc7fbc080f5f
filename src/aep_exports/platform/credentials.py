"""Development credentials the local platform accepts out of the box (they only open the emulator)."""

from __future__ import annotations

DEV_CLIENT_ID = "aep-exports-local"
DEV_CLIENT_SECRET = "local-dev-secret"
DEV_ORG_ID = "AEPLOCAL0000000000000000@AdobeOrg"
DEV_API_KEY = DEV_CLIENT_ID
