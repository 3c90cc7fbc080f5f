"""Stream a query's Arrow record batches into parquet files of at most ``rows_per_file`` rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

FETCH_ROWS = 16_384


def write_parquet(reader: Any, directory: Path, rows_per_file: int) -> tuple[list[Path], int]:
    """Write every row of the Arrow ``reader``; no file for an empty result. Returns (files, rows)."""
    import pyarrow.parquet as pq

    directory.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    writer: Any = None
    in_file = total = 0
    try:
        for batch in reader:
            offset = 0
            while offset < batch.num_rows:
                if writer is None or in_file >= rows_per_file:
                    if writer is not None:
                        writer.close()
                    path = directory / f"part-{len(files):05d}.parquet"
                    writer = pq.ParquetWriter(str(path), reader.schema, compression="snappy")
                    files.append(path)
                    in_file = 0
                take = min(rows_per_file - in_file, batch.num_rows - offset)
                writer.write_batch(batch.slice(offset, take))
                offset += take
                in_file += take
                total += take
    finally:
        if writer is not None:
            writer.close()
    return files, total
