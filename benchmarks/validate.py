"""How long does `validate` take on a large project, against a bare `yaml.safe_load` of the same files?

Generates N exports spread over F files (default 2,000 over 50) in a temporary project, then times
``load_declarations`` (safe loading with positions + duplicate/tag/alias checks + pydantic models +
cross-file checks) and the baseline: reading and ``yaml.safe_load``-ing the same files. Best of R runs.

    .venv/bin/python benchmarks/validate.py [--exports 2000] [--files 50] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from aep_exports.config.loader import declaration_files, load_declarations

STATUSES = ["realized", "existing", "exited"]
SCHEDULES = ["@daily", "@hourly", "0 6 * * 1-5", "manual", "*/30 * * * *"]


def export_text(index: int, dataset: str) -> str:
    return f"""  export-{index:05d}:
    description: Generated export number {index}.
    dataset: {dataset}
    schedule: "{SCHEDULES[index % len(SCHEDULES)]}"
    incremental: {"true" if index % 2 else "false"}
    timeout: {1 + index % 5}h
    fields: identities.id,personalEmail.address,person.name.firstName
    mergePolicy:
      id: e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2
      version: 1
    filter:
      segments:
        - segmentId: {index:08x}-2c35-4f6d-b4c6-9075c68d2df4
          segmentNs: ups
          status: [{STATUSES[index % 3]}]
        - segmentId: {index:08x}-334d-12f4-3sd4-12cf6g990g51
          segmentNs: AAM
          status: [realized, existing]
      emptyProfiles: false
    additionalFields:
      eventList:
        fields: environment.browserDetails.name,environment.browserDetails.version
    destination:
      segmentPerBatch: {"true" if index % 3 else "false"}
    schema:
      name: _xdm.context.profile
"""


def generate(project: Path, exports: int, files: int) -> None:
    """Write ``exports`` exports (and one dataset per file) into ``files`` files under project/exports."""
    (project / "exports").mkdir(parents=True)
    per_file = -(-exports // files)
    for number in range(files):
        first, last = number * per_file, min((number + 1) * per_file, exports)
        dataset = f"target-{number:03d}"
        parts = [
            "# yaml-language-server: $schema=../schemas/exports.schema.json\n",
            f"datasets:\n  {dataset}:\n    name: Target {number}\n    tags:\n      team: [crm]\n",
            "exports:\n",
        ]
        parts.extend(export_text(index, dataset) for index in range(first, last))
        (project / "exports" / f"file-{number:03d}.yaml").write_text("".join(parts), encoding="utf-8")


def best_of(repeat: int, action: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return min(timings)


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run the benchmark, print the figures, return them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exports", type=int, default=2000)
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        project = Path(directory)
        generate(project, args.exports, args.files)
        paths = declaration_files(project)
        size = sum(path.stat().st_size for path in paths)
        declarations = load_declarations(project, "prod")
        assert len(declarations.exports) == args.exports, "generated project must be valid"

        def baseline() -> None:
            for path in paths:
                yaml.safe_load(path.read_text(encoding="utf-8"))

        def c_baseline() -> None:
            for path in paths:
                yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)

        ours = best_of(args.repeat, lambda: load_declarations(project, "prod"))
        bare = best_of(args.repeat, baseline)
        bare_c = best_of(args.repeat, c_baseline) if yaml.__with_libyaml__ else float("nan")
    print(f"{args.exports} exports in {args.files} files ({size / 1024:.0f} KiB), best of {args.repeat}:")
    print(f"  load_declarations : {ours * 1000:8.1f} ms  ({ours / args.exports * 1e6:.0f} us/export)")
    print(f"  yaml.safe_load    : {bare * 1000:8.1f} ms")
    print(f"  ratio             : {ours / bare:8.2f}x")
    print(f"  (reference: yaml.load with libyaml's CSafeLoader {bare_c * 1000:.1f} ms, "
          f"ratio {ours / bare_c:.2f}x)")
    return {"load_declarations": ours, "safe_load": bare, "ratio": ours / bare, "csafe_load": bare_c}


if __name__ == "__main__":
    main()
