"""aep-exports: Adobe Experience Platform profile exports as code."""

__version__ = "0.1.0"
