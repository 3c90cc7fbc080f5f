"""What the root command hands to every subcommand."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aep_exports.config.settings import Settings


@dataclass
class CliContext:
    """Global flags, and the settings loaded from them on first use.

    ``project_dir`` is the ``--project`` given (or ``AEP_EXPORTS_PROJECT``); None: the project is found
    upward from the current directory (:attr:`root`).
    """

    project_dir: Path | None = None
    sandbox: str | None = None
    platform: str | None = None
    debug: bool = False
    _settings: Any = field(default=None, repr=False)

    @property
    def root(self) -> Path:
        """The project directory: ``--project``, else the nearest directory upward holding
        ``aep-exports.yaml`` or ``exports/``, else the current directory."""
        return project_root(self.project_dir)

    def settings(self) -> Settings:
        """Settings from ``aep-exports.yaml``, overridden by the environment, then by flags."""
        if self._settings is None:
            from aep_exports.config.settings import load_settings

            overrides = {"sandbox": self.sandbox, "platform": self.platform}
            self._settings = load_settings(self.root, {k: v for k, v in overrides.items() if v})
        settings: Settings = self._settings
        return settings


def project_root(given: Path | str | None) -> Path:
    """``given`` (a ``--project`` value), else the project found upward from here, else here."""
    if given is not None:
        return Path(given)
    from aep_exports.config.project_root import find_project_root

    return find_project_root() or Path(".")
