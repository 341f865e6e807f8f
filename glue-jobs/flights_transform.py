"""The flights transform: row rules, both joins with the airport dimension, the target columns.

Pure PySpark, called by the Glue entry point (``flights_ingest.py``) and the local run (``local_run.py``).
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional, Sequence

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

import flights_rules as rules

# Column order of airlines.daily_flights_processed (sql/shared/003_daily_flights_processed.sql).
FACT_COLUMNS = (
    "carrier", "dep_airport", "arr_airport", "dep_city", "arr_city", "dep_state", "arr_state", "dep_delay", "arr_delay",
    "flight_date", "dep_airport_id", "arr_airport_id", "source_file", "loaded_at",
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


def raw_lines(frame: DataFrame) -> Optional[DataFrame]:
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
    """Trimmed string columns and a BIGINT airport_id; raises naming source, field and value when unusable."""
    by_name = {c.strip().replace("\r", "").lower(): c for c in airports.columns}
    missing = [c for c in rules.AIRPORT_HEADER if c not in by_name]
    if missing:
        raise AirportDimensionError(f"{source}: missing column(s) {', '.join(missing)}; found {', '.join(airports.columns)}")
    clean = airports.select(*[rules.clean_field(F.col(f"`{by_name[c]}`").cast("string")).alias(c) for c in rules.AIRPORT_HEADER])
    bad = clean.where(F.col("airport_id").isNull() | ~F.col("airport_id").rlike(rules.INTEGER_PATTERN)).limit(1).collect()
    if bad:
        raise AirportDimensionError(f"{source}: field airport_id: value {bad[0]['airport_id']!r} is not an integer (row {bad[0].asDict()})")
    typed = clean.withColumn("airport_id", F.col("airport_id").cast("bigint"))
    repeated = typed.groupBy("airport_id").count().where(F.col("count") > 1).orderBy("airport_id").limit(1).collect()
    if repeated:
        r = repeated[0]
        raise AirportDimensionError(f"{source}: field airport_id: value {r['airport_id']} appears {r['count']} times; each airport must appear once or its flights would be duplicated")
    return typed


def classify(lines: DataFrame, airports: DataFrame, dep_delay_threshold: Optional[int] = None) -> DataFrame:
    """Every data line with its joined airports, a ``reason`` (NULL when good) and a ``status``.

    ``airports`` must come from :func:`normalize_airports`. With a threshold, good flights whose departure delay
    is not above it are ``filtered`` (kept out of the table, not quarantined: they broke no rule).
    """
    rows = rules.with_fields(rules.split_lines(lines))
    side = lambda prefix: F.broadcast(airports.select(  # noqa: E731
        F.col("airport_id").alias(f"{prefix}_airport_id"),
        F.col("name").alias(f"{prefix}_airport"),
        F.col("city").alias(f"{prefix}_city"),
        F.col("state").alias(f"{prefix}_state"),
    ))
    joined = (
        rows.join(side("dep"), F.col("origin_id") == F.col("dep_airport_id"), "left")
        .join(side("arr"), F.col("dest_id") == F.col("arr_airport_id"), "left")
    )
    why = rules.reason(F.col("dep_airport_id").isNotNull(), F.col("arr_airport_id").isNotNull())
    status = F.when(why.isNotNull(), F.lit("quarantined"))
    if dep_delay_threshold is not None:
        status = status.when(~F.coalesce(F.col("dep_delay") > F.lit(dep_delay_threshold), F.lit(False)), F.lit("filtered"))
    return joined.withColumn("reason", why).withColumn("status", status.otherwise(F.lit("loaded")))


def loaded_rows(classified: DataFrame, loaded_at: datetime) -> DataFrame:
    """The rows of airlines.daily_flights_processed, in its column order."""
    return (
        classified.where(F.col("status") == "loaded")
        .withColumn("loaded_at", F.lit(loaded_at).cast("timestamp"))
        .select(*FACT_COLUMNS)
    )


def quarantined_rows(classified: DataFrame, quarantined_at: datetime) -> DataFrame:
    """Rows that broke a rule: the raw line, its file and the reason."""
    return (
        classified.where(F.col("status") == "quarantined")
        .withColumn("quarantined_at", F.lit(quarantined_at).cast("timestamp"))
        .select(*QUARANTINE_COLUMNS)
    )


def summarize(classified: Optional[DataFrame], files: Sequence[str] = (), files_ignored: int = 0) -> dict:
    """The run report: counts of one run (``rows_in`` = loaded + quarantined + filtered) and the processed keys
    (the first REPORT_MAX_FILES). ``classified`` None is a run that found nothing new."""
    counts = {s: 0 for s in STATUSES}
    if classified is not None:
        counts.update({r["status"]: r["count"] for r in classified.groupBy("status").count().collect()})
    return {
        "files_processed": len(files),
        "files_ignored": files_ignored,
        "rows_in": sum(counts.values()),
        "rows_loaded": counts["loaded"],
        "rows_quarantined": counts["quarantined"],
        "rows_filtered": counts["filtered"],
        "files": sorted(files)[:REPORT_MAX_FILES],
    }
