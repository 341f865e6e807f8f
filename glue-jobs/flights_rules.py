"""Row rules of the daily flights contract (see DESIGN.md), as Spark column expressions.

Pure PySpark: the Glue job and the local run both call these on a DataFrame of raw lines
``(source_file, value)``, where ``source_file`` is the object key (``daily_flights/date=2001-01-01/x.csv``)
and ``value`` one physical line of that file.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

FLIGHT_HEADER = ("Carrier", "OriginAirportID", "DestAirportID", "DepDelay", "ArrDelay")
AIRPORT_HEADER = ("airport_id", "city", "state", "name")
CONTRACT_HEADER = ",".join(FLIGHT_HEADER)
# At most 18 digits: every such value fits a BIGINT, so a cast never overflows into NULL.
INTEGER_PATTERN = r"^[+-]?[0-9]{1,18}$"
# Redshift's INTEGER (the delays' columns): a wider value is quarantined, never cast (a cast would wrap it).
INTEGER_RANGE = (-(2**31), 2**31 - 1)
# The fact table's DDL is the one definition of what fits its columns (VARCHAR(n) counts bytes in Redshift).
FACT_TABLE_SQL = "003_create_daily_flights_processed.sql"
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
    # The rules fuse into one generated method of over 8,000 bytes of bytecode, which the JVM never compiles
    # (HotSpot's DontCompileHugeMethods): interpreted, a run took twice as long. At this limit Spark runs such a
    # stage without whole-stage code generation instead, whose smaller methods are compiled.
    spark.conf.set("spark.sql.codegen.hugeMethodLimit", "8000")
    # A run caches its classified rows to count them, then writes them twice: uncompressed, building that cache
    # took 3 s instead of 8 s of a 3 M-row run, for about twice the memory (the rows of one pass, not of the table).
    spark.conf.set("spark.sql.inMemoryColumnarStorage.compressed", "false")


def varchar_limits(ddl: str) -> dict[str, int]:
    """The byte limit of each ``VARCHAR(n)`` column of a CREATE TABLE."""
    return {name: int(n) for name, n in re.findall(r"^\s*(\w+)\s+VARCHAR\((\d+)\)", ddl, re.MULTILINE | re.IGNORECASE)}


@functools.cache
def fact_limits() -> dict[str, int]:
    """:func:`varchar_limits` of the fact table's DDL, found next to the job (Glue's --extra-files land in the
    working directory) or in the repository's sql/shared (the local run, the tests)."""
    for folder in (Path.cwd(), Path(__file__).resolve().parents[1] / "sql" / "shared"):
        if (folder / FACT_TABLE_SQL).exists():
            return varchar_limits((folder / FACT_TABLE_SQL).read_text())
    raise FileNotFoundError(f"{FACT_TABLE_SQL} not found next to the job: check the job's --extra-files")


def is_data_file(key: str) -> bool:
    """Only ``*.csv`` objects are data; anything else under the prefix is ignored."""
    return key.endswith(".csv")


def is_unsafe_key(key: str) -> bool:
    return re.search(UNSAFE_KEY_PATTERN, key) is not None


def source_key(uri: Column) -> Column:
    """The object key from Glue's attached file name, whether it is a key or an s3://, s3a:// or s3n:// URI."""
    return F.regexp_replace(uri, SOURCE_URI_PREFIX, "")


SOURCE_ID_UNSAFE = r"[^A-Za-z0-9._-]+"
SOURCE_ID_READABLE_CHARS = 80
SOURCE_ID_HASH_CHARS = 10


def source_id(key: str) -> str:
    """A file-system-safe, readable and unique id of a source file, used for its quarantine partition."""
    readable = re.sub(SOURCE_ID_UNSAFE, "_", key).strip("_")[-SOURCE_ID_READABLE_CHARS:]
    return f"{readable}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:SOURCE_ID_HASH_CHARS]}"


def source_id_column(key: Column) -> Column:
    """:func:`source_id` as a column: rows name their own partition, with no lookup table built in Python
    (which would start a Python worker and a job of its own)."""
    readable = F.regexp_replace(F.regexp_replace(key, SOURCE_ID_UNSAFE, "_"), "^_+|_+$", "")
    last_chars = F.substring(readable, -SOURCE_ID_READABLE_CHARS, SOURCE_ID_READABLE_CHARS)
    return F.concat(last_chars, F.lit("-"), F.substring(F.sha1(key), 1, SOURCE_ID_HASH_CHARS))


def clean_field(field: Column, strip_cr: bool = True) -> Column:
    """Trims spaces (and a stray CR) and one pair of surrounding double quotes. ``strip_cr=False`` for text whose
    CRs are already gone (the flight lines lose theirs first), which spares a pass over every field.

    Plain string functions, not a regular expression: cheaper for the five fields of every line (a 3 M-row run
    about 12% faster). Unlike the regex ``^"(.*)"$`` it also strips the quotes of a field holding U+0085, U+2028
    or U+2029, which Java's ``.`` and ``$`` treat as line ends."""
    trimmed = F.trim(F.translate(field, "\r", "") if strip_cr else field)
    quoted = trimmed.startswith('"') & trimmed.endswith('"') & (F.length(trimmed) >= 2)
    return F.trim(F.when(quoted, trimmed.substr(F.lit(2), F.length(trimmed) - 2)).otherwise(trimmed))


def _is_header(line: Column) -> Column:
    # Carriers are short codes; a first field "Carrier" can only be a header line.
    return F.lower(clean_field(F.substring_index(line, ",", 1), strip_cr=False)) == "carrier"


def _is_bad_header(line: Column) -> Column:
    """For a line known to be a header (column ``is_header``): it is not the contract's."""
    normalized = F.lower(F.array_join(F.transform(F.split(line, ",", -1), lambda part: clean_field(part, strip_cr=False)), ","))
    return F.col("is_header") & (normalized != CONTRACT_HEADER.lower())


def _header_facts(rows: DataFrame) -> DataFrame:
    """has_header and bad_header per file, from one hash aggregate over every line."""
    line = F.col("line")
    return rows.groupBy("source_ref").agg(
        F.max(F.col("is_header").cast("int")).alias("has_header"),
        # collect_set keeps the aggregate hash-based (first() of a string would sort every line by file).
        F.array_min(F.collect_set(F.when(_is_bad_header(line), line))).alias("bad_header"),
    )


def _file_facts(headers: DataFrame, key_of: Callable[[Column], Column] | None) -> DataFrame:
    """Key, date partition, unsafe key and fragment id of each file, computed once per file."""
    files = headers.withColumn("source_file", key_of(F.col("source_ref")) if key_of else F.col("source_ref")).where(F.col("source_file").endswith(".csv"))
    date_text = F.regexp_extract(F.col("source_file"), DATE_PARTITION_PATTERN, 1)
    return files.select(
        "*",
        F.to_date(F.when(date_text != "", date_text), "yyyy-MM-dd").alias("flight_date"),
        F.col("source_file").rlike(UNSAFE_KEY_PATTERN).alias("unsafe_key"),
        source_id_column(F.col("source_file")).alias("source_id"),
    )


def split_lines(lines: DataFrame, key_of: Callable[[Column], Column] | None = None) -> DataFrame:
    """Raw lines -> data lines with their raw comma-separated ``parts``, dropping blank lines and header lines.

    ``lines`` name their file in ``source_file``; ``key_of`` turns that name into the object key when the reader
    gives something else (a URI): it runs once per file, not once per line. Per-file facts (key, date partition,
    header problems, unsafe key, source id) are joined back by broadcast: a regular expression or a hash per line
    costs more than the join. The header facts come from one aggregate over the lines. Only the fields the rules
    read are cleaned (:func:`field`), and only header lines are cleaned whole.
    """
    line = F.col("line")
    rows = (
        lines.select(F.col("source_file").alias("source_ref"), F.replace(F.col("value"), F.lit("\r"), F.lit("")).alias("line"))
        .where(F.trim(line) != "")
        # A column, not an expression repeated: the filter and the aggregate share one evaluation.
        .withColumn("is_header", _is_header(line))
    )
    files = _file_facts(_header_facts(rows), key_of)
    data = rows.where(~F.col("is_header")).drop("is_header")
    return data.join(F.broadcast(files), "source_ref").drop("source_ref").withColumn("parts", F.split(line, ",", -1))


def field(position: int) -> Column:
    """The cleaned field at a 1-based position of a line's ``parts``; NULL past the last one."""
    return clean_field(F.element_at("parts", position), strip_cr=False)


def _integer(field: Column) -> Column:
    return F.when(field.rlike(INTEGER_PATTERN), field.cast("bigint"))


def with_fields(rows: DataFrame) -> DataFrame:
    """Typed fields: ids and delays as BIGINT where they are integers, NULL otherwise."""
    return (
        rows.select(
            "*",
            F.size("parts").alias("field_count"),
            field(1).alias("carrier"),
            field(2).alias("origin_raw"),
            field(3).alias("dest_raw"),
            field(4).alias("dep_delay_raw"),
            field(5).alias("arr_delay_raw"),
        )
        .select(
            "*",
            _integer(F.col("origin_raw")).alias("origin_id"),
            _integer(F.col("dest_raw")).alias("dest_id"),
            _integer(F.col("dep_delay_raw")).alias("dep_delay_big"),
            _integer(F.col("arr_delay_raw")).alias("arr_delay_big"),
        )
        .select(
            "*",
            *[F.when(F.col(f"{d}_big").between(*INTEGER_RANGE), F.col(f"{d}_big").cast("int")).alias(d) for d in ("dep_delay", "arr_delay")],
        )
    )


def _not_integer(name: str, raw: str, typed: str, empty_allowed: bool) -> Column:
    """The reason when a field is not an integer: its typed column is NULL (a cast of up to 18 digits never fails)."""
    value = F.col(raw)
    bad = F.col(typed).isNull()
    if empty_allowed:
        bad = bad & (value != "")
    return F.when(bad, F.concat(F.lit(f"{name} '"), value, F.lit("' is not an integer")))


def _outside_integer(name: str, raw: str, big: str) -> Column:
    low, high = INTEGER_RANGE
    return F.when(~F.col(big).between(low, high), F.concat(F.lit(f"{name} '"), F.col(raw), F.lit(f"' is outside INTEGER ({low} to {high})")))


def _too_long(name: str, column: str, limit: int) -> Column:
    """The reason when a text does not fit its column as Redshift counts it: in bytes (UTF-8)."""
    size = F.octet_length(F.col(column))
    return F.when(
        size > limit, F.concat(F.lit(f"{name} '"), F.col(column), F.lit("' is "), size.cast("string"), F.lit(f" bytes; VARCHAR({limit}) holds {limit}"))
    )


def reason(dep_known: Column, arr_known: Column, limits: dict[str, int] | None = None) -> Column:
    """The first rule a row breaks, naming the field, the value and the limit; NULL for a good row. ``limits``:
    the fact table's byte limits (default :func:`fact_limits`)."""
    limits = limits or fact_limits()
    checks = [
        F.when(F.col("unsafe_key"), F.lit(UNSAFE_KEY_REASON)),
        F.when(F.col("flight_date").isNull(), F.lit("no date partition: the file is not in a date=YYYY-MM-DD/ folder (or the date is not a real day)")),
        F.when(F.col("has_header") == 0, F.lit(f"the file has no header line; expected {CONTRACT_HEADER}")),
        F.when(F.col("bad_header").isNotNull(), F.concat(F.lit("the file's header '"), F.col("bad_header"), F.lit(f"' is not {CONTRACT_HEADER}"))),
        _too_long("the source key", "source_file", limits["source_file"]),
        F.when(
            F.col("field_count") != len(FLIGHT_HEADER), F.concat(F.lit(f"expected {len(FLIGHT_HEADER)} fields, found "), F.col("field_count").cast("string"))
        ),
        F.when(F.col("carrier") == "", F.lit("Carrier is empty")),
        F.when(F.col("carrier").rlike(r"\p{Cntrl}"), F.lit("Carrier contains a control character")),
        _too_long("Carrier", "carrier", limits["carrier"]),
        _not_integer("OriginAirportID", "origin_raw", "origin_id", empty_allowed=False),
        _not_integer("DestAirportID", "dest_raw", "dest_id", empty_allowed=False),
        _not_integer("DepDelay", "dep_delay_raw", "dep_delay_big", empty_allowed=True),
        _not_integer("ArrDelay", "arr_delay_raw", "arr_delay_big", empty_allowed=True),
        _outside_integer("DepDelay", "dep_delay_raw", "dep_delay_big"),
        _outside_integer("ArrDelay", "arr_delay_raw", "arr_delay_big"),
        F.when(~dep_known, F.concat(F.lit("OriginAirportID "), F.col("origin_raw"), F.lit(" is not in the airport dimension"))),
        F.when(~arr_known, F.concat(F.lit("DestAirportID "), F.col("dest_raw"), F.lit(" is not in the airport dimension"))),
    ]
    return F.coalesce(*checks)
