"""The flights transform: row rules, both joins with the airport dimension, the target columns.

Pure PySpark, called by the Glue entry point (``flights_ingest.py``) and the local run (``local_run.py``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

import flights_rules as rules
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

# Column order of airlines.daily_flights_processed (sql/shared/003_daily_flights_processed.sql).
FACT_COLUMNS = (
    "carrier",
    "dep_airport",
    "arr_airport",
    "dep_city",
    "arr_city",
    "dep_state",
    "arr_state",
    "dep_delay",
    "arr_delay",
    "flight_date",
    "dep_airport_id",
    "arr_airport_id",
    "source_file",
    "loaded_at",
)
QUARANTINE_COLUMNS = ("source_file", "line", "reason", "flight_date", "quarantined_at")
STATUSES = ("loaded", "quarantined", "filtered")
# Columns of Glue's CSV reader: one column per physical line (a separator that never occurs) plus the file name
# Glue attaches (format option attachFilename).
LINE_COLUMN = "col0"
SOURCE_COLUMN = "source_uri"
# The run report lists at most this many processed keys.
REPORT_MAX_FILES = 100


class AirportDimensionError(ValueError):
    """The airport dimension cannot be joined with safely (missing column, bad or repeated id)."""


class SourceColumnMissing(RuntimeError):
    """Glue read rows but did not attach their file names: the reader's format options are wrong."""


def raw_lines(frame: DataFrame) -> DataFrame | None:
    """Glue's bookmarked read as ``(source_file, value)`` lines, or None when it found nothing new.

    With no new object Glue's reader can return a frame with no columns at all; an empty frame with columns means
    the same. Rows without the attached file column cannot be traced to a file, so they stop the run."""
    if not frame.columns or frame.isEmpty():
        return None
    if SOURCE_COLUMN not in frame.columns or LINE_COLUMN not in frame.columns:
        raise SourceColumnMissing(
            f"the flights reader returned columns {frame.columns}, not {LINE_COLUMN} and {SOURCE_COLUMN}: check the format "
            f"option attachFilename={SOURCE_COLUMN!r} of the S3 source (a format option, not a connection option)"
        )
    return frame.select(rules.source_key(F.col(SOURCE_COLUMN)).alias("source_file"), F.col(LINE_COLUMN).alias("value"))


def normalize_airports(airports: DataFrame, source: str) -> DataFrame:
    """Trimmed string columns and a BIGINT airport_id; raises naming source, field and value when unusable.

    The dimension is small (it is broadcast to every join): it is read once into memory, checked on the driver,
    and both joins take it from there: one pass over its source (in Glue, one Redshift UNLOAD) instead of one per
    check and one more per join."""
    return checked(dimension(airports, source))


class Dimension(NamedTuple):
    """The airport dimension as read, cleaned and cached (:func:`clean_airports`), not yet checked, and its source
    (named by the checks' errors)."""

    clean: DataFrame
    source: str


def dimension(airports: DataFrame, source: str) -> Dimension:
    """The dimension :func:`run_pass` takes: cleaned now, checked by the pass."""
    return Dimension(clean_airports(airports, source), source)


def checked(d: Dimension) -> DataFrame:
    """The dimension as the joins take it, once :func:`check_airports` passed (its read fills the cache)."""
    check_airports(d.clean, d.source)
    return typed_airports(d.clean)


def clean_airports(airports: DataFrame, source: str) -> DataFrame:
    """The dimension's columns trimmed, as strings, cached (no job yet); raises when a column is missing."""
    by_name = {c.strip().lower(): c for c in airports.columns}  # strip() also takes the CR of a CRLF header
    missing = [c for c in rules.AIRPORT_HEADER if c not in by_name]
    if missing:
        raise AirportDimensionError(f"{source}: missing column(s) {', '.join(missing)}; found {', '.join(airports.columns)}")
    return airports.select(*[rules.clean_field(F.col(f"`{by_name[c]}`").cast("string")).alias(c) for c in rules.AIRPORT_HEADER]).cache()


def check_airports(clean: DataFrame, source: str) -> None:
    """Reads the dimension (filling its cache) and raises when an airport_id is not an integer or repeats."""
    rows = clean.collect()
    bad = next((r for r in rows if r["airport_id"] is None or not re.search(rules.INTEGER_PATTERN, r["airport_id"])), None)
    if bad:
        raise AirportDimensionError(f"{source}: field airport_id: value {bad['airport_id']!r} is not an integer (row {bad.asDict()})")
    repeated = sorted((i, n) for i, n in Counter(int(r["airport_id"]) for r in rows).items() if n > 1)
    if repeated:
        airport_id, count = repeated[0]
        raise AirportDimensionError(
            f"{source}: field airport_id: value {airport_id} appears {count} times; each airport must appear once or its flights would be duplicated"
        )


def typed_airports(clean: DataFrame) -> DataFrame:
    """The cleaned dimension with airport_id as BIGINT, as the joins take it (checked by :func:`check_airports`)."""
    return clean.withColumn("airport_id", F.col("airport_id").cast("bigint"))


def classify(
    lines: DataFrame,
    airports: DataFrame,
    dep_delay_threshold: int | None = None,
    key_of: Callable[[Column], Column] | None = None,
) -> DataFrame:
    """Every data line with its joined airports, a ``reason`` (NULL when good) and a ``status``.

    ``airports`` must come from :func:`normalize_airports`. With a threshold, good flights whose departure delay
    is not above it are ``filtered`` (kept out of the table, not quarantined: they broke no rule). ``key_of``: see
    :func:`flights_rules.split_lines`.
    """
    rows = rules.with_fields(rules.split_lines(lines, key_of))

    def side(prefix: str) -> DataFrame:
        columns = {"airport_id": "airport_id", "name": "airport", "city": "city", "state": "state"}
        return F.broadcast(airports.select(*[F.col(c).alias(f"{prefix}_{suffix}") for c, suffix in columns.items()]))

    joined = rows.join(side("dep"), F.col("origin_id") == F.col("dep_airport_id"), "left").join(
        side("arr"), F.col("dest_id") == F.col("arr_airport_id"), "left"
    )
    why = rules.reason(F.col("dep_airport_id").isNotNull(), F.col("arr_airport_id").isNotNull())
    status = F.when(why.isNotNull(), F.lit("quarantined"))
    if dep_delay_threshold is not None:
        status = status.when(~F.coalesce(F.col("dep_delay") > F.lit(dep_delay_threshold), F.lit(False)), F.lit("filtered"))
    return joined.withColumn("reason", why).withColumn("status", status.otherwise(F.lit("loaded")))


def outcome(classified: DataFrame) -> DataFrame:
    """Only the columns the table, the quarantine and the counts take: what a run caches of its classified rows."""
    kept = {*FACT_COLUMNS, *QUARANTINE_COLUMNS} - {"loaded_at", "quarantined_at"}
    return classified.select(*[c for c in classified.columns if c in kept], "status", "source_id")


def loaded_rows(classified: DataFrame, loaded_at: datetime, keep: tuple[str, ...] = ()) -> DataFrame:
    """The rows of airlines.daily_flights_processed, in its column order (and the ``keep`` columns of ``classified``,
    such as the source_id a writer partitions by)."""
    stamped = classified.where(F.col("status") == "loaded").withColumn("loaded_at", F.lit(loaded_at).cast("timestamp"))
    return stamped.select(*FACT_COLUMNS, *keep)


def quarantined_rows(classified: DataFrame, quarantined_at: datetime, keep: tuple[str, ...] = ()) -> DataFrame:
    """Rows that broke a rule: the raw line, its file and the reason (and the ``keep`` columns of ``classified``)."""
    stamped = classified.where(F.col("status") == "quarantined").withColumn("quarantined_at", F.lit(quarantined_at).cast("timestamp"))
    return stamped.select(*QUARANTINE_COLUMNS, *keep)


def count_statuses(classified: DataFrame) -> dict:
    """Rows per status, in a job of its own (a run needs them before it writes): one global aggregate, so one
    task reduces it (a groupBy would shuffle into spark.sql.shuffle.partitions tasks, 200 by default in Glue)."""
    [row] = classified.agg(*[F.count_if(F.col("status") == s).alias(s) for s in STATUSES]).collect()
    return row.asDict()


def summarize(counts: Mapping[str, int] | None, files: Sequence[str] = (), files_ignored: int = 0, files_set_aside: Sequence[str] = ()) -> dict:
    """The run report: counts of one run (``rows_in`` = loaded + quarantined + filtered), the processed keys and
    the keys still set aside as unreadable (the first REPORT_MAX_FILES of each). ``counts`` (rows per status) None
    is a run that found nothing new."""
    counts = {s: int((counts or {}).get(s, 0)) for s in STATUSES}
    return {
        "files_processed": len(files),
        "files_ignored": files_ignored,
        "rows_in": sum(counts.values()),
        "rows_loaded": counts["loaded"],
        "rows_quarantined": counts["quarantined"],
        "rows_filtered": counts["filtered"],
        "files": sorted(files)[:REPORT_MAX_FILES],
        "files_set_aside": sorted(files_set_aside)[:REPORT_MAX_FILES],
    }


class RunSink(Protocol):
    """Where a run's outcome goes: S3 and Redshift in Glue (flights_ingest), a folder in the local run (local_run)."""

    def clear(self, files: list[str]) -> None:
        """Forget the earlier quarantined rows of FILES (each processed file's rows are replaced, not added to)."""

    def quarantine(self, rows: DataFrame) -> None:
        """Keep ROWS (:func:`quarantined_rows` with their ``source_id``); called only when there are some."""

    def load(self, rows: DataFrame | None, files: list[str], rows_loaded: int) -> None:
        """Replace the table rows of FILES with ROWS (:func:`loaded_rows` with their ``source_id``; None when the run
        read no line), ROWS_LOADED of them."""


def run_pass(
    lines: DataFrame | None,
    airports: Dimension | None,
    files: list[str],
    sink: RunSink,
    *,
    started: datetime,
    threshold: int | None = None,
    files_ignored: int = 0,
    files_set_aside: Sequence[str] = (),
    key_of: Callable[[Column], Column] | None = None,
) -> dict:
    """From raw lines to table rows, quarantine and run report: the one path of the Glue job and the local run.

    ``lines`` None is a run that read no line (only emptied files). ``files``: every data file the run processes
    (their rows are replaced); ``files_set_aside``: the files left unread (flights_set_aside). ``started`` stamps
    the rows; ``threshold`` and ``key_of``: see :func:`classify`. The dimension is checked before anything is
    written. The classified rows are cached: counted once, then written twice."""
    counts, classified = {}, None
    if lines is not None:
        classified = outcome(classify(lines, checked(airports), threshold, key_of)).cache()
        counts = count_statuses(classified)
    summary = summarize(counts, files=files, files_ignored=files_ignored, files_set_aside=files_set_aside)
    if files:
        sink.clear(files)
        if summary["rows_quarantined"]:
            sink.quarantine(quarantined_rows(classified, started, keep=("source_id",)))
        # A file whose key the actions cannot carry has all its rows quarantined (rules.UNSAFE_KEY_REASON).
        loadable = [f for f in files if not rules.is_unsafe_key(f)]
        if loadable:
            sink.load(None if classified is None else loaded_rows(classified, started, keep=("source_id",)), loadable, summary["rows_loaded"])
    return summary
