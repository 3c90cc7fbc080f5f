"""Credentials inside URLs and connection strings, masked wherever such text is shown.

A URL may carry user info (``https://user:password@host``) and a PostgreSQL connection string a
``password=`` parameter; neither may reach a message, a log line, a plan or state. Every layer may
use this module (it imports only the standard library); the local platform does not.
"""

from __future__ import annotations

import re

MASK = "***"
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/?#@\s]*@")
_PASSWORD = re.compile(r"(?i)(?P<key>\bpassword\s*=\s*)(?:'(?:[^'\\]|\\.)*'|[^\s&#]+)")


_USER_PASSWORD = re.compile(r"(?P<start>\b[A-Za-z][A-Za-z0-9+.-]*://[^/?#@\s:]*:)[^/?#@\s]*@")


def redact_url_credentials(text: str, *, keep_user: bool = False) -> str:
    """``text`` with the user info of every URL and every ``password=`` value replaced by ``***``.

    ``keep_user`` masks only the password of ``user:password@`` (for a database URL, whose user
    name is no secret); by default the whole user info goes, as it may be a token.
    """
    if "@" in text:
        if keep_user:
            text = _USER_PASSWORD.sub(lambda match: f"{match['start']}{MASK}@", text)
        else:
            text = _USERINFO.sub(lambda match: f"{match['scheme']}{MASK}@", text)
    if "=" in text:
        text = _PASSWORD.sub(lambda match: f"{match['key']}{MASK}", text)
    return text


def has_password(text: str) -> bool:
    """True when ``text`` holds a password: ``scheme://user:password@…`` or ``password=…``."""
    return bool(_USER_PASSWORD.search(text) or _PASSWORD.search(text))
