"""A quick look at downloaded parquet files: row count and column names (pyarrow, imported lazily)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Peek:
    """Rows over all files and the columns of the first one (top-level names)."""

    files: int
    rows: int
    columns: tuple[str, ...]


def peek_parquet(paths: Iterable[Path]) -> Peek:
    """Read only the parquet footers: total rows and the column names."""
    import pyarrow.parquet as pq

    files = rows = 0
    columns: tuple[str, ...] = ()
    for path in paths:
        if path.suffix != ".parquet":
            continue
        metadata = pq.read_metadata(path)
        files += 1
        rows += metadata.num_rows
        if not columns:
            columns = tuple(metadata.schema.to_arrow_schema().names)
    return Peek(files=files, rows=rows, columns=columns)
