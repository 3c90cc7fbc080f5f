"""A state writer in its own process, driven line by line over stdin/stdout by the concurrency tests.

Commands (one per line on stdin):
  ``go ROUND TIMEOUT``  take the lock (waiting up to TIMEOUT s), read, add a dataset ``ROUND-<name>``,
                        write with compare-and-swap, answer ``won SERIAL`` and hold the lock until
                        ``release`` arrives (then answer ``released``); or answer ``lost <error>``.
  ``hold``              take the lock and answer ``holding``; keep it until killed or ``release``.
  ``stale ROUND``       read without the lock, answer ``read SERIAL``, wait for ``write``, then try the
                        compare-and-swap write and answer ``wrote SERIAL`` or ``refused <error>``.
  ``quit``
"""

from __future__ import annotations

import json
import sys

from aep_exports.errors import StateError
from aep_exports.state.model import DatasetRecord
from aep_exports.state.postgres import PostgresStateBackend


def answer(*parts: object) -> None:
    print(json.dumps([str(p) for p in parts]), flush=True)


def main() -> None:
    url, org, sandbox, name = sys.argv[1:5]
    backend = PostgresStateBackend(url, org, sandbox)
    backend.read()  # connect and migrate before the first race, so rounds measure only the lock
    answer("ready")
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            return
        if words[0] == "go":
            round_id, timeout = words[1], float(words[2])
            try:
                with backend.lock(timeout=timeout, command=f"writer {name}"):
                    doc = backend.read()
                    doc.datasets[f"{round_id}-{name}"] = DatasetRecord(id=f"{int(round_id):024x}")
                    backend.write(doc, expected_serial=doc.serial)
                    answer("won", doc.serial)
                    sys.stdin.readline()  # hold the lock until the test says "release"
                answer("released")
            except StateError as exc:
                answer("lost", exc.message, json.dumps(getattr(exc, "holder", {})))
        elif words[0] == "hold":
            with backend.lock(timeout=5, command=f"holder {name}"):
                answer("holding")
                sys.stdin.readline()
            answer("released")
        elif words[0] == "stale":
            doc = backend.read()
            answer("read", doc.serial)
            sys.stdin.readline()
            doc.datasets[f"{words[1]}-{name}"] = DatasetRecord(id="f" * 24)
            try:
                backend.write(doc, expected_serial=doc.serial)
                answer("wrote", doc.serial)
            except StateError as exc:
                answer("refused", exc.message)


if __name__ == "__main__":
    main()
