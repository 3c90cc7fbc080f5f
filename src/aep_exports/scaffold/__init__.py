"""``aep-exports init``: the files of a new project (settings, an example, .gitignore, a CI workflow)."""

from aep_exports.scaffold.project import (
    PROJECT_FILES,
    ScaffoldedFile,
    check_action,
    placeholder_action,
    scaffold_project,
    template_text,
    workflow_text,
)

__all__ = [
    "PROJECT_FILES",
    "ScaffoldedFile",
    "check_action",
    "placeholder_action",
    "scaffold_project",
    "template_text",
    "workflow_text",
]
