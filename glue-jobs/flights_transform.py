"""The flights transform: row rules, both joins with the airport dimension, the target columns.

Pure PySpark, called by the Glue entry point (``flights_ingest.py``) and the local run (``local_run.py``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

import flights_rules as rules
from pyspark.sql import Column, DataFrame, Observation
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
    clean = clean_airports(airports, source)
    check_airports(clean, source)
    return typed_airports(clean)


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
    assumption: rules.HeaderAssumption | None = None,
) -> DataFrame:
    """Every data line with its joined airports, a ``reason`` (NULL when good) and a ``status``.

    ``airports`` must come from :func:`normalize_airports`. With a threshold, good flights whose departure delay
    is not above it are ``filtered`` (kept out of the table, not quarantined: they broke no rule). ``key_of`` and
    ``assumption``: see :func:`flights_rules.split_lines`.
    """
    rows = rules.with_fields(rules.split_lines(lines, key_of, assumption))

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


def loaded_rows(classified: DataFrame, loaded_at: datetime) -> DataFrame:
    """The rows of airlines.daily_flights_processed, in its column order."""
    return classified.where(F.col("status") == "loaded").withColumn("loaded_at", F.lit(loaded_at).cast("timestamp")).select(*FACT_COLUMNS)


def quarantined_rows(classified: DataFrame, quarantined_at: datetime, keep: tuple[str, ...] = ()) -> DataFrame:
    """Rows that broke a rule: the raw line, its file and the reason (and the ``keep`` columns of ``classified``,
    such as the source_id a writer partitions by)."""
    stamped = classified.where(F.col("status") == "quarantined").withColumn("quarantined_at", F.lit(quarantined_at).cast("timestamp"))
    return stamped.select(*QUARANTINE_COLUMNS, *keep)


def count_statuses(classified: DataFrame) -> dict:
    """Rows per status, in a job of its own (the Glue job needs them before it writes)."""
    counts = {s: 0 for s in STATUSES}
    counts.update({r["status"]: r["count"] for r in classified.groupBy("status").count().collect()})
    return counts


def observe_counts(classified: DataFrame) -> tuple[Observation, DataFrame]:
    """The frame with its rows per status observed: the first action run on it fills ``observation.get``, so the
    counts cost no job of their own."""
    observation = Observation("rows_per_status")
    metrics = [F.count_if(F.col("status") == s).alias(s) for s in STATUSES]
    return observation, classified.observe(observation, *metrics)


def summarize(counts: Mapping[str, int] | None, files: Sequence[str] = (), files_ignored: int = 0) -> dict:
    """The run report: counts of one run (``rows_in`` = loaded + quarantined + filtered) and the processed keys
    (the first REPORT_MAX_FILES). ``counts`` (rows per status) None is a run that found nothing new; an
    Observation from :func:`observe_counts` is read here, after the action that filled it."""
    if isinstance(counts, Observation):
        counts = counts.get
    counts = {s: int((counts or {}).get(s, 0)) for s in STATUSES}
    return {
        "files_processed": len(files),
        "files_ignored": files_ignored,
        "rows_in": sum(counts.values()),
        "rows_loaded": counts["loaded"],
        "rows_quarantined": counts["quarantined"],
        "rows_filtered": counts["filtered"],
        "files": sorted(files)[:REPORT_MAX_FILES],
    }
