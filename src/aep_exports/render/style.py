"""Colour on a terminal only, and never when NO_COLOR is set."""

from __future__ import annotations

import os
import sys
from typing import IO

import click


def use_colour(stream: IO[str] | None = None) -> bool:
    """True when ``stream`` (stdout by default) is a terminal and NO_COLOR is not set."""
    if os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Painter:
    """Applies click styles when colour is on; plain text otherwise."""

    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, text: str, fg: str | None = None, *, bold: bool = False, dim: bool = False) -> str:
        if not self.colour:
            return text
        return click.style(text, fg=fg, bold=bold, dim=dim)
