"""What the root command hands to every subcommand."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aep_exports.config.settings import Settings


@dataclass
class CliContext:
    """Global flags, and the settings loaded from them on first use."""

    project_dir: Path
    sandbox: str | None = None
    platform: str | None = None
    debug: bool = False
    _settings: Any = field(default=None, repr=False)

    def settings(self) -> Settings:
        """Settings from ``aep-exports.yaml``, overridden by the environment, then by flags."""
        if self._settings is None:
            from aep_exports.config.settings import load_settings

            overrides = {"sandbox": self.sandbox, "platform": self.platform}
            self._settings = load_settings(self.project_dir, {k: v for k, v in overrides.items() if v})
        settings: Settings = self._settings
        return settings
