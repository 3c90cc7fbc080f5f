"""The shipped examples (exports/, aep-exports.yaml) are valid and say what the README says."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from aep_exports.config.loader import load_declarations
from aep_exports.config.settings import load_settings

SEED_DATASET_ID = "5b020a27e7040801dedba61b"


def test_examples_validate(repo_root: Path) -> None:
    settings = load_settings(repo_root, {}, environ={})
    assert (settings.platform, settings.sandbox) == ("local", "prod")
    declarations = load_declarations(repo_root, settings.sandbox)
    assert set(declarations.exports) == {"profile-data-export-daily", "vip-hourly", "full-snapshot"}
    schedules = {key: item.spec.schedule for key, item in declarations.exports.items()}
    assert schedules == {
        "profile-data-export-daily": "0 2 * * *",
        "vip-hourly": "@hourly",
        "full-snapshot": "manual",
    }
    for item in declarations.exports.values():
        assert item.dataset_key in declarations.datasets


def test_an_example_shows_a_time_zone_a_retry_labels_and_expectations(repo_root: Path) -> None:
    spec = load_declarations(repo_root, "prod").exports["profile-data-export-daily"].spec
    assert spec.timezone == "Europe/Paris"
    assert spec.retry is not None and spec.retry.attempts == 2
    assert spec.labels == {"team": "crm", "tier": "gold"}
    assert spec.expect is not None and spec.expect.min_rows == 1 and spec.expect.max_lag is not None


def test_every_example_starts_with_its_schema_line(repo_root: Path) -> None:
    for path in sorted((repo_root / "exports").rglob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schemas/exports.schema.json", path
    first = (repo_root / "aep-exports.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=./schemas/settings.schema.json"


def test_seed_export_is_the_seed_job_as_a_daily_incremental(repo_root: Path) -> None:
    declarations = load_declarations(repo_root, "prod")
    declared = declarations.exports["profile-data-export-daily"]
    assert declared.spec.incremental is True
    assert declared.source.file == "exports/profile-export.yaml"
    body = declared.spec.request_body(SEED_DATASET_ID)
    assert body == {
        "fields": "identities.id,personalEmail.address",
        "mergePolicy": {"id": "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2", "version": 1},
        "filter": {
            "segments": [
                {
                    "segmentId": "4edc8488-2c35-4f6d-b4c6-9075c68d2df4",
                    "segmentNs": "AAM",
                    "status": ["realized"],
                },
                {
                    "segmentId": "1rfe8422-334d-12f4-3sd4-12cf6g990g51",
                    "segmentNs": "UPS",
                    "status": ["exited"],
                },
            ],
            "emptyProfiles": False,
        },
        "additionalFields": {
            "eventList": {"fields": "environment.browserDetails.name,environment.browserDetails.version"}
        },
        "destination": {"datasetId": SEED_DATASET_ID, "segmentPerBatch": True},
        "schema": {"name": "_xdm.context.profile"},
    }
    target = declarations.datasets["profile-data-export"].spec.request_body()
    assert target["name"] == "Profile Data Export"
    assert target["schemaRef"]["id"] == "https://ns.adobe.com/xdm/context/profile__union"


def test_digest_is_stable_and_ignores_file_layout(repo_root: Path, tmp_path: Path) -> None:
    original = load_declarations(repo_root, "prod")
    copy = tmp_path / "copy"
    shutil.copytree(repo_root / "exports", copy / "exports")
    moved = copy / "exports" / "nested" / "vip.yml"
    moved.parent.mkdir()
    (copy / "exports" / "vip-hourly.yaml").rename(moved)
    relocated = load_declarations(copy, "prod")
    assert relocated.digest() == original.digest()
    assert relocated.exports["vip-hourly"].source.file == "exports/nested/vip.yml"
    moved.write_text(
        moved.read_text(encoding="utf-8").replace("timeout: 45m", "timeout: 50m"), encoding="utf-8"
    )
    assert load_declarations(copy, "prod").digest() != original.digest()


def test_files_pinned_to_another_sandbox_are_skipped(
    project: Path, write: Callable[[str, str], Path]
) -> None:
    write(
        "exports/dev.yaml",
        "sandbox: dev\nexports:\n  dev-only:\n    dataset: 5b020a27e7040801dedba61b\n    schedule: manual\n",
    )
    write(
        "exports/all.yaml",
        "exports:\n  everywhere:\n    dataset: 5b020a27e7040801dedba61b\n    schedule: manual\n",
    )
    prod = load_declarations(project, "prod")
    assert set(prod.exports) == {"everywhere"}
    assert [(item.file, item.sandbox) for item in prod.skipped_files] == [("exports/dev.yaml", "dev")]
    dev = load_declarations(project, "dev")
    assert set(dev.exports) == {"dev-only", "everywhere"} and dev.skipped_files == ()
