"""Colour and live displays on a terminal only, following the conventions users set.

``NO_COLOR`` (any value) turns colour off, ``FORCE_COLOR`` (any value but ``0``) turns it on in
a pipe or CI log, and ``TERM=dumb`` means a terminal that understands no escape codes: no colour
and no live (redrawn) display.
"""

from __future__ import annotations

import os
import sys
from typing import IO

import click


def _isatty(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(callable(isatty) and isatty())


def is_interactive(stream: IO[str] | None = None) -> bool:
    """True when ``stream`` (stdout by default) is a terminal that can redraw lines (not ``TERM=dumb``)."""
    return _isatty(stream or sys.stdout) and os.environ.get("TERM") != "dumb"


def use_colour(stream: IO[str] | None = None) -> bool:
    """Colour for ``stream`` (stdout by default): NO_COLOR, then FORCE_COLOR, then a capable terminal."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    return is_interactive(stream)


class Painter:
    """Applies click styles when colour is on; plain text otherwise."""

    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, text: str, fg: str | None = None, *, bold: bool = False, dim: bool = False) -> str:
        if not self.colour:
            return text
        return click.style(text, fg=fg, bold=bold, dim=dim)
