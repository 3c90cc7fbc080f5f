"""``aep-exports init``: the files of a new project (settings, an example, .gitignore, a CI workflow)."""

from aep_exports.scaffold.project import PROJECT_FILES, ScaffoldedFile, scaffold_project, template_text

__all__ = ["PROJECT_FILES", "ScaffoldedFile", "scaffold_project", "template_text"]
