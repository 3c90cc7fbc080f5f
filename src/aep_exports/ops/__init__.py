"""Day-2 operations: ``status`` (pure), ``import`` (adopt platform resources), ``download`` (run files).

- :mod:`aep_exports.ops.status`: per-export and per-dataset status from state + declarations + now.
- :mod:`aep_exports.ops.importing`: adopt an existing dataset or export job after checking it
  matches its declaration.
- :mod:`aep_exports.ops.download`: fetch the parquet files of a run through Data Access, resuming.
"""
