"""Stream Arrow record batches into parquet files of at most ``rows_per_file`` rows each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

FETCH_ROWS = 16_384


class PartWriter:
    """Writes ``part-00000.parquet``, ``part-00001.parquet``, ... of one batch; no file when empty."""

    def __init__(self, directory: Path, rows_per_file: int) -> None:
        if rows_per_file < 1:
            raise ValueError("rows_per_file must be >= 1")
        self.directory = directory
        self.rows_per_file = rows_per_file
        self.files: list[Path] = []
        self.rows = 0
        self._writer: Any = None
        self._in_file = 0

    def write(self, reader: Any) -> None:
        """Append every row of an Arrow record batch reader."""
        import pyarrow.parquet as pq

        for batch in reader:
            offset = 0
            while offset < batch.num_rows:
                if self._writer is None or self._in_file >= self.rows_per_file:
                    self._close_file()
                    self.directory.mkdir(parents=True, exist_ok=True)
                    path = self.directory / f"part-{len(self.files):05d}.parquet"
                    self._writer = pq.ParquetWriter(str(path), reader.schema, compression="snappy")
                    self.files.append(path)
                take = min(self.rows_per_file - self._in_file, batch.num_rows - offset)
                self._writer.write_batch(batch.slice(offset, take))
                offset += take
                self._in_file += take
                self.rows += take

    def _close_file(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self._in_file = 0

    def close(self) -> None:
        """Finish the current file."""
        self._close_file()
