"""Row rules of the daily flights contract (see DESIGN.md), as Spark column expressions.

Pure PySpark: the Glue job and the local run both call these on a DataFrame of raw lines
``(source_file, value)``, where ``source_file`` is the object key (``daily_flights/date=2001-01-01/x.csv``)
and ``value`` one physical line of that file.
"""
from __future__ import annotations

import hashlib
import re

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

FLIGHT_HEADER = ("Carrier", "OriginAirportID", "DestAirportID", "DepDelay", "ArrDelay")
AIRPORT_HEADER = ("airport_id", "city", "state", "name")
CONTRACT_HEADER = ",".join(FLIGHT_HEADER)
# At most 18 digits: every such value fits a BIGINT, so a cast never overflows into NULL.
INTEGER_PATTERN = r"^[+-]?[0-9]{1,18}$"
# The file's own folder is the partition: <anything>/date=YYYY-MM-DD/<file>.csv
DATE_PARTITION_PATTERN = r"(?:^|/)date=([0-9]{4}-[0-9]{2}-[0-9]{2})/[^/]+$"
# attachFilename's value: the form (s3://bucket/key, s3a://, or the key) is not documented: accept each.
SOURCE_URI_PREFIX = r"^s3[an]?://[^/]+/"
# Characters a key cannot have and still travel in the Redshift connector's actions (split on ';', formatted with
# '%', one line): such a file's rows are quarantined with this reason instead of breaking the load.
UNSAFE_KEY_PATTERN = r"[;%\r\n]"
UNSAFE_KEY_REASON = "the source key contains ';', '%' or a line break, which the Redshift connector's actions cannot carry: rename the file"


def configure_session(spark: SparkSession) -> None:
    """Settings the rules rely on, the same in Glue and locally."""
    # Invalid dates such as 2001-02-30 become NULL instead of raising SparkUpgradeException.
    spark.conf.set("spark.sql.legacy.timeParserPolicy", "CORRECTED")
    spark.conf.set("spark.sql.ansi.enabled", "false")


def is_data_file(key: str) -> bool:
    """Only ``*.csv`` objects are data; anything else under the prefix is ignored."""
    return key.endswith(".csv")


def is_unsafe_key(key: str) -> bool:
    return re.search(UNSAFE_KEY_PATTERN, key) is not None


def source_key(uri: Column) -> Column:
    """The object key from Glue's attached file name, whether it is a key or an s3://, s3a:// or s3n:// URI."""
    return F.regexp_replace(uri, SOURCE_URI_PREFIX, "")


def source_id(key: str) -> str:
    """A file-system-safe, readable and unique id of a source file, used for its quarantine partition."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("_")[-80:]
    return f"{readable}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:10]}"


def clean_field(field: Column) -> Column:
    """Trims spaces (and a stray CR) and one pair of surrounding double quotes."""
    trimmed = F.trim(F.regexp_replace(field, "\r", ""))
    return F.trim(F.regexp_replace(trimmed, r'^"(.*)"$', "$1"))


def split_lines(lines: DataFrame) -> DataFrame:
    """Raw lines -> data lines with their fields, dropping blank lines and header lines.

    Adds per-file facts (date partition, header problems) as columns so that reasons can name them.
    """
    text = F.regexp_replace(F.col("value"), "\r", "")
    rows = (
        lines.where(F.col("source_file").endswith(".csv"))
        .select("source_file", text.alias("line"))
        .where(F.trim(F.col("line")) != "")
        .withColumn("fields", F.transform(F.split(F.col("line"), ",", -1), clean_field))
    )
    # Carriers are short codes; a first field "Carrier" can only be a header line.
    is_header = F.lower(F.element_at("fields", 1)) == "carrier"
    normalized = F.lower(F.array_join("fields", ","))
    files = rows.groupBy("source_file").agg(
        F.max(is_header.cast("int")).alias("has_header"),
        F.first(F.when(is_header & (normalized != CONTRACT_HEADER.lower()), F.col("line")), ignorenulls=True).alias("bad_header"),
    )
    date_text = F.regexp_extract(F.col("source_file"), DATE_PARTITION_PATTERN, 1)
    return (
        rows.where(~is_header)
        .join(F.broadcast(files), "source_file")
        .withColumn("flight_date", F.to_date(F.when(date_text != "", date_text), "yyyy-MM-dd"))
    )


def _integer(field: Column) -> Column:
    return F.when(field.rlike(INTEGER_PATTERN), field.cast("bigint"))


def with_fields(rows: DataFrame) -> DataFrame:
    """Typed fields: ids and delays as BIGINT where they are integers, NULL otherwise."""
    f = lambda i: F.element_at("fields", i)  # noqa: E731
    return rows.select(
        "*",
        F.size("fields").alias("field_count"),
        f(1).alias("carrier"),
        f(2).alias("origin_raw"),
        f(3).alias("dest_raw"),
        f(4).alias("dep_delay_raw"),
        f(5).alias("arr_delay_raw"),
    ).select(
        "*",
        _integer(F.col("origin_raw")).alias("origin_id"),
        _integer(F.col("dest_raw")).alias("dest_id"),
        _integer(F.col("dep_delay_raw")).cast("int").alias("dep_delay"),
        _integer(F.col("arr_delay_raw")).cast("int").alias("arr_delay"),
    )


def _not_integer(name: str, raw: str, empty_allowed: bool) -> Column:
    value = F.col(raw)
    bad = ~value.rlike(INTEGER_PATTERN)
    if empty_allowed:
        bad = bad & (value != "")
    return F.when(bad, F.concat(F.lit(f"{name} '"), value, F.lit("' is not an integer")))


def reason(dep_known: Column, arr_known: Column) -> Column:
    """The first rule a row breaks, naming the field and value; NULL for a good row."""
    checks = [
        F.when(F.col("source_file").rlike(UNSAFE_KEY_PATTERN), F.lit(UNSAFE_KEY_REASON)),
        F.when(F.col("flight_date").isNull(), F.lit("no date partition: the file is not in a date=YYYY-MM-DD/ folder (or the date is not a real day)")),
        F.when(F.col("has_header") == 0, F.lit(f"the file has no header line; expected {CONTRACT_HEADER}")),
        F.when(F.col("bad_header").isNotNull(), F.concat(F.lit("the file's header '"), F.col("bad_header"), F.lit(f"' is not {CONTRACT_HEADER}"))),
        F.when(F.col("field_count") != len(FLIGHT_HEADER), F.concat(F.lit(f"expected {len(FLIGHT_HEADER)} fields, found "), F.col("field_count").cast("string"))),
        F.when(F.col("carrier") == "", F.lit("Carrier is empty")),
        _not_integer("OriginAirportID", "origin_raw", empty_allowed=False),
        _not_integer("DestAirportID", "dest_raw", empty_allowed=False),
        _not_integer("DepDelay", "dep_delay_raw", empty_allowed=True),
        _not_integer("ArrDelay", "arr_delay_raw", empty_allowed=True),
        F.when(~dep_known, F.concat(F.lit("OriginAirportID "), F.col("origin_raw"), F.lit(" is not in the airport dimension"))),
        F.when(~arr_known, F.concat(F.lit("DestAirportID "), F.col("dest_raw"), F.lit(" is not in the airport dimension"))),
    ]
    return F.coalesce(*checks)
