"""Write the files of a new project, never overwriting one that exists.

The templates are package data (``templates/``), so they are real files a reviewer can read and a
test can parse. They carry neutral names (``gitignore``, ``workflow.yml``) so that, inside this
repository, git does not take ``templates/.gitignore`` for its own rules. The JSON Schemas are
generated from the installed models, so the editor hints match the version that wrote them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from aep_exports.errors import AepExportsError, UsageError

WORKFLOW_PATH = ".github/workflows/aep-exports.yml"
ACTION_OWNER_PLACEHOLDER = "YOUR-ORG"
# owner/repo[/path]@ref, as GitHub's `uses:` takes a published action.
_ACTION_REF = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_./-]+)?@[A-Za-z0-9_./+-]+$"
)


def template_text(name: str) -> str:
    """The text of the template ``name`` shipped in ``aep_exports/scaffold/templates/``."""
    return resources.files("aep_exports.scaffold").joinpath("templates", name).read_text(encoding="utf-8")


def _template(name: str) -> Callable[[], str]:
    return lambda: template_text(name)


def _schema(name: str) -> Callable[[], str]:
    def build() -> str:
        from aep_exports.config.json_schemas import SCHEMAS, render

        return render(SCHEMAS[name]())

    return build


def pinned_version(version: str) -> str:
    """The ``required_version`` ``init`` writes: this version up to the next minor (``>=0.1.0,<0.2``).

    Before 1.0 a minor version may break compatibility, after it a major one (semantic versioning).
    """
    from packaging.version import Version

    parsed = Version(version)
    upper = f"{parsed.major}.{parsed.minor + 1}" if parsed.major == 0 else f"{parsed.major + 1}"
    return f">={parsed.base_version},<{upper}"


def _settings() -> str:
    from aep_exports import __version__

    return template_text("settings.yaml").replace("{required_version}", pinned_version(__version__))


def placeholder_action() -> str:
    """The ``uses:`` ``init`` writes without ``--action``: a repository that does not exist, so every
    job fails loudly at "Set up job" until someone names the real one (never a silent wrong install)."""
    from aep_exports import __version__

    return f"{ACTION_OWNER_PLACEHOLDER}/aep-exports@v{__version__}"


def check_action(action: str) -> str:
    """``action`` when it is ``OWNER/REPO[/PATH]@REF``; UsageError otherwise."""
    action = action.strip()
    if not _ACTION_REF.match(action):
        raise UsageError(
            f"--action {action!r} is not OWNER/REPO@REF",
            hint="Name the repository holding aep-exports (its action.yml) and a tag, e.g. "
            "--action my-org/aep-exports@v0.1.0.",
        )
    return action


def workflow_text(action: str | None = None) -> str:
    """The CI workflow, installing aep-exports with ``action`` (default: :func:`placeholder_action`)."""
    if action is None:
        uses = placeholder_action()
        note = (
            f"#\n# >>> Replace {uses} below with the repository and tag of aep-exports you install from\n"
            "# >>> (or run `aep-exports init --action OWNER/REPO@TAG` on a project without this file).\n"
            "# >>> Until then every job fails at \"Set up job\": the action cannot be resolved.\n"
        )
    else:
        uses, note = check_action(action), ""
    # The template is plain YAML (a reviewer reads it, a test parses it): its two markers are a
    # comment line and a scalar.
    text = template_text("workflow.yml").replace("# __PLACEHOLDER_NOTE__\n", note)
    return text.replace("__AEP_EXPORTS_ACTION__", uses)


PROJECT_FILES: dict[str, Callable[[], str]] = {
    "aep-exports.yaml": _settings,
    "exports/example.yaml": _template("example.yaml"),
    ".gitignore": _template("gitignore"),
    WORKFLOW_PATH: workflow_text,
    "schemas/exports.schema.json": _schema("exports.schema.json"),
    "schemas/settings.schema.json": _schema("settings.schema.json"),
}
"""Relative path in the new project → the function that produces its text, in the order written."""


@dataclass(frozen=True)
class ScaffoldedFile:
    """One file of the project and what ``init`` did with it."""

    path: str
    outcome: Literal["created", "skipped"]


def scaffold_project(directory: Path, *, action: str | None = None) -> list[ScaffoldedFile]:
    """Create the project files under ``directory``; files that already exist are left as they are.

    ``action`` (``OWNER/REPO@REF``) is the aep-exports GitHub Action the workflow installs with.
    """
    directory = Path(directory)
    producers = dict(PROJECT_FILES)
    if action is not None:
        checked = check_action(action)
        producers[WORKFLOW_PATH] = lambda: workflow_text(checked)
    if directory.exists() and not directory.is_dir():
        raise AepExportsError(f"{directory} exists and is not a directory")
    results = []
    for relative, produce in producers.items():
        target = directory / relative
        if target.exists() or target.is_symlink():
            results.append(ScaffoldedFile(relative, "skipped"))
            continue
        text = produce()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # "x": fail rather than overwrite a file that appeared since the check above.
            with open(target, "x", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except FileExistsError:
            results.append(ScaffoldedFile(relative, "skipped"))
            continue
        except OSError as exc:
            raise AepExportsError(f"cannot write {target}: {exc.strerror or exc}") from exc
        results.append(ScaffoldedFile(relative, "created"))
    return results
