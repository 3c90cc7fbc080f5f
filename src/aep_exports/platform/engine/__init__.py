"""The local platform's export engine: runs one export job against a ``ProfileStore``.

Contract (used by the platform backend when a job runs)::

    from aep_exports.platform.engine import run_export, ExportFailed
    with ProfileStore.open(data_dir, org, sandbox) as store:
        outcome = run_export(store, request, out_dir, now=clock_now, rows_per_file=100_000)

* ``request`` is the export job body exactly as POSTed (camelCase wire JSON): ``fields``,
  ``mergePolicy {id, version?}``, ``filter {segments[{segmentId, segmentNs?, status?}],
  segmentQualificationTime {startTime?, endTime?}, fromIngestTimestamp, emptyProfiles}``,
  ``additionalFields.eventList {fields, filter {fromIngestTimestamp, toIngestTimestamp}}``,
  ``destination {datasetId, segmentPerBatch}``, ``schema {name}``.
* ``out_dir`` receives one sub-directory per batch, ``out_dir/<batch index>/part-NNNNN.parquet``
  (index 0, 1, ... in the order of ``outcome.batches``); a batch with no record gets no file.
  The backend owns batch ids and Catalog registration.
* ``now`` is the platform clock (used for defaults only; the engine never reads the wall clock
  for data decisions).
* Returns :class:`ExportOutcome`; a failure the job must report (unknown merge policy or
  version, unsupported schema, bad timestamp, unwritable output) raises :class:`ExportFailed`
  with ``code`` and ``msg`` for the job's ``errors`` entry.

Semantics (the reference implementation in ``tests/unit/engine/reference.py`` mirrors them):

* merge: ``timestampOrdered`` — per attribute (leaf path; an array is one attribute) the value
  of the fragment with the newest ingest time wins (ties: the later-loaded fragment);
  ``dataSetPrecedence`` — only the datasets listed in ``attributeMerge.order`` are merged (the
  merge policies guide: "Any datasets not included in the list will not be merged"); the
  fragment of the earliest listed dataset wins, newest first. A null value never wins.
* a profile's *record* is its fragments in the datasets the policy merges. A profile without
  one is an empty profile when it holds events (exported only with ``emptyProfiles``); one with
  neither (memberships only) is never exported.
* merge policy: the request's ``mergePolicy`` (``version`` omitted = latest; ``1.0`` = ``1``;
  unknown id or version → ``ExportFailed``); omitted → the first requested segment's
  ``mergePolicyId`` (one that does not exist → ``ExportFailed``), else the store's default
  policy, else plain ``timestampOrdered``.
* ``filter.segments``: a profile is exported when it holds a membership with that
  ``segmentId``, in ``segmentNs`` (default ``ups``, the public spec's; compared
  case-insensitively), a status in ``status`` (default ``["realized", "existing"]``; ``[]`` is
  refused) and a last qualification time inside ``segmentQualificationTime`` (``startTime``
  inclusive, ``endTime`` exclusive). No segments: every profile.
* ``filter.fromIngestTimestamp``: profiles whose newest record fragment (for empty profiles:
  newest event) was ingested strictly after it. It also bounds the event list unless
  ``eventList.filter.fromIngestTimestamp`` is given.
* ``filter.emptyProfiles`` (default false): include profiles that hold only events.
* counters: ``total_exported_profiles`` and ``exported_by_namespace`` count profiles, once each
  even when ``segmentPerBatch`` writes a profile into several batches.
* events: ``eventList.filter`` keeps events with ``from < ingest time <= to``.
* ``destination.segmentPerBatch``: one batch per requested segment (in request order, a profile
  may appear in several); otherwise one batch.

Parquet layout (one row per profile, ordered by profile):

* ``identityMap``: ``map<string, list<struct<id: string, primary: bool>>>`` — the profile's
  primary identity, ``{namespace: [{id, primary: true}]}``;
* one column per requested top-level XDM field present in the store, nested structs holding
  only the requested leaf paths (a path into an array projects every element); omitted
  ``fields``: every field;
* ``eventList`` (only when ``additionalFields.eventList`` is requested):
  ``list<struct<timestamp: timestamp, ...requested event fields>>`` ordered by event time.
"""

from aep_exports.platform.engine.outcome import BatchOutput, ExportFailed, ExportOutcome
from aep_exports.platform.engine.runner import run_export

__all__ = ["BatchOutput", "ExportFailed", "ExportOutcome", "run_export"]
