"""Runs the Glue job's transform on local Spark over a folder laid out like the data bucket.

    npm run local -- --data DIR --state DIR --out DIR [--dep-delay-threshold N]

Incremental like job bookmarks: only .csv files new or modified (mtime or size) since the last run with the same
--state are processed. The state keeps one CSV fragment per source file of the table and of the quarantine, so a
reprocessed file replaces exactly its own rows. A run reads the new files once, after one small job that reads the
dimension: the rules, both joins, the fragments and the counts of the summary (observed on the way), betting that
every file has its contract header; when one has none or a bad one, it reads them again with the header facts
aggregated first (see process).
With --out, OUT then holds the whole current table and quarantine as CSV (a byte copy of the fragments).
The last stdout line is the run's JSON summary, the same object the Glue job writes as its run report.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import flights_rules as rules
import flights_transform as transform
import local_fs
from py4j.java_gateway import JavaClass, JavaMember

BOOKMARK = "bookmark.json"
TABLE_FILE = "daily_flights_processed.csv"
QUARANTINE_FILE = "quarantine.csv"
OUTPUTS = {"loaded": (TABLE_FILE, transform.FACT_COLUMNS), "quarantine": (QUARANTINE_FILE, transform.QUARANTINE_COLUMNS)}
# What a Redshift (or PostgreSQL) COPY of CSV takes: empty strings and NULLs both as empty fields, timestamps to the
# second, a quote inside a value doubled (Spark's default escapes it with a backslash, which COPY reads as an
# unterminated field), and values kept whole (Spark's writer trims their ends by default: a quarantined raw line
# would lose its spaces).
CSV_OPTIONS = {
    "emptyValue": "",
    "nullValue": "",
    "timestampFormat": "yyyy-MM-dd HH:mm:ss",
    "escape": '"',
    "ignoreLeadingWhiteSpace": "false",
    "ignoreTrailingWhiteSpace": "false",
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    # allow_abbrev=False: `--dat` is refused with the usage, not taken for --data.
    p = argparse.ArgumentParser(prog="npm run local --", description=__doc__.split("\n\n")[0], allow_abbrev=False)
    p.add_argument("--data", required=True, type=Path, help="folder laid out like the bucket (airport_codes/, daily_flights/)")
    p.add_argument("--state", required=True, type=Path, help="bookmark and table fragments, kept between runs")
    p.add_argument("--out", type=Path, help=f"write the whole table and quarantine there as {TABLE_FILE} and {QUARANTINE_FILE}")
    p.add_argument("--flights-prefix", default="daily_flights/")
    p.add_argument("--airport-codes", default="airport_codes/airport_codes.csv", help="key of the airport file under --data")
    p.add_argument("--dep-delay-threshold", type=int, default=None, help="keep only flights departing more than N minutes late")
    return p.parse_args(argv)


def scan(data: Path, prefix: str) -> dict[str, list[int]]:
    """Every object under the flights prefix, with what a bookmark compares: modification time and size."""
    root = data / prefix
    found = {}
    for path in sorted(root.rglob("*")) if root.exists() else []:
        if path.is_file():
            stat = path.stat()
            found[path.relative_to(data).as_posix()] = [stat.st_mtime_ns, stat.st_size]
    return found


# New input up to this size runs on the JVM's first compiler (C1) alone. A small run's time is mostly the JVM warming
# up, and C2 compiling code the run leaves soon after takes the second core: one file ran in 4.5-4.6 s instead of
# 5.7-6.1 s on 2 cores. Larger inputs are slower without C2: 17 MB 0.5 s faster, 31 MB 1.6 s slower.
C1_ONLY_MAX_BYTES = 16 * 1024 * 1024


def jvm_settings(input_bytes: int) -> dict[str, str]:
    """The driver JVM's options for a run over INPUT_BYTES of new files (--driver-java-options in PYSPARK_SUBMIT_ARGS
    replaces them)."""
    return {"spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1"} if input_bytes <= C1_ONLY_MAX_BYTES else {}


# PySpark reaches these classes by their short names through the gateway's JVM view, most of all
# org.apache.spark.sql.functions on every F.* call, and py4j asks the JVM twice each time: which class the name is,
# then what its member is: about 600 round trips for the rules' plan (measured: README, Running the job locally).
PY4J_STATIC_CLASSES = ("org.apache.spark.sql.functions", "org.apache.spark.api.python.PythonUtils")


class StaticMethods(JavaClass):
    """A py4j JavaClass that asks the JVM about each of its static methods once, then keeps the method (a method
    stays what it is; fields are asked for every time, their value may change)."""

    def __getattr__(self, name):
        member = super().__getattr__(name)
        if isinstance(member, JavaMember):
            self.__dict__[name] = member
        return member


def bind_static_classes(spark) -> None:
    """The session's JVM view answers PY4J_STATIC_CLASSES' short names itself, with classes that keep their methods
    (the same Java classes and methods: only the round trips go)."""
    jvm = spark.sparkContext._jvm
    for name in PY4J_STATIC_CLASSES:
        setattr(jvm, name.rsplit(".", 1)[1], StaticMethods(name, jvm._gateway_client))


def spark_session(input_bytes: int):
    """The local session for a run over INPUT_BYTES of new files (see jvm_settings)."""
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master(os.environ.get("SPARK_MASTER", "local[*]"))
        .appName("flights-local-run")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "3g"))
        # Over 32 paths Spark lists them with a job of its own; the driver lists a local folder faster.
        .config("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000")
        .config("spark.ui.showConsoleProgress", "false")
        # A task writes the fragments of its few files at once instead of sorting its rows by file first
        # (a task reads at most 128 MB, about 32 small files: two kinds each; past 100 Spark sorts again).
        .config("spark.sql.maxConcurrentOutputFileWriters", "100")
        # The fragments are renamed into the state by this script: no checksum file beside each (a raw local file
        # system, one that sets permissions without a chmod process when it could be built: see local_fs), and each
        # task commits straight into the output folder instead of the job renaming every file once more.
        .config(map=local_fs.spark_settings())
        .config("spark.hadoop.mapreduce.fileoutputcommitter.algorithm.version", "2")
        .config(map=jvm_settings(input_bytes))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    rules.configure_session(spark)
    bind_static_classes(spark)
    return spark


def read_airports(spark, path: Path):
    """The airport file with its own header as column names, cleaned and cached, not yet checked (see process);
    reading the header here spares Spark a job."""
    from pyspark.sql.types import StringType, StructField, StructType

    with path.open(newline="", encoding="utf-8") as f:
        header = next(csv.reader(f), [])
    schema = StructType([StructField(name, StringType()) for name in header])
    return transform.clean_airports(spark.read.schema(schema).option("header", True).csv(str(path)), source=str(path))


def read_lines(spark, data: Path, keys: list[str]):
    """Raw lines with the URI Spark reports for their file, and the function from that URI to the object key
    (Spark reports percent-encoded file URIs; '+' stays literal), which the transform applies once per file."""
    from pyspark.sql import functions as F

    prefix = f"^file:(//)?\\Q{data.resolve().as_posix()}\\E/"

    def key_of(uri):
        return F.regexp_replace(F.url_decode(F.replace(uri, F.lit("+"), F.lit("%2B"))), prefix, "")

    lines = spark.read.text([str(data / k) for k in keys]).select(F.input_file_name().alias("source_file"), "value")
    return lines, key_of


def csv_lines(classified, started):
    """Each loaded or quarantined row as its CSV line in the columns of its output file; filtered rows dropped."""
    from pyspark.sql import functions as F

    stamped = classified.withColumn("loaded_at", F.lit(started).cast("timestamp")).withColumn("quarantined_at", F.col("loaded_at"))
    as_csv = lambda columns: F.to_csv(F.struct(*columns), CSV_OPTIONS)  # noqa: E731
    line = F.when(F.col("status") == "loaded", as_csv(OUTPUTS["loaded"][1])).when(F.col("status") == "quarantined", as_csv(OUTPUTS["quarantine"][1]))
    kind = F.when(F.col("status") == "loaded", F.lit("loaded")).otherwise(F.lit("quarantine"))
    return stamped.where(F.col("status") != "filtered").select(kind.alias("kind"), "source_id", line.alias("value"))


def write_fragments(lines, scratch: Path) -> None:
    """Each processed file's rows per kind, as Spark part files under SCRATCH/kind=K/source_id=I/."""
    lines.write.partitionBy("kind", "source_id").text(str(scratch))


def replace_fragments(state: Path, keys: list[str], scratch: Path) -> None:
    """Moves each processed file's rows into the state as its own fragment per kind (empty when it has none now)."""
    for kind in OUTPUTS:
        target = state / kind
        target.mkdir(parents=True, exist_ok=True)
        for key in keys:
            sid = rules.source_id(key)
            parts = sorted((scratch / f"kind={kind}" / f"source_id={sid}").glob("part-*"))
            if len(parts) == 1:  # the usual case: a file's rows come from one task
                os.replace(parts[0], target / f"{sid}.csv")
                continue
            tmp = target / f".{sid}.csv.tmp"
            with tmp.open("wb") as fragment:
                for part in parts:
                    with part.open("rb") as src:
                        shutil.copyfileobj(src, fragment)
            os.replace(tmp, target / f"{sid}.csv")


def classify_into(scratch: Path, lines, key_of, airports, args, started, assumption=None):
    """One pass: rules, joins and fragments written to SCRATCH; returns the Observation of the rows per status."""
    classified = transform.classify(lines, airports, args.dep_delay_threshold, key_of, assumption)
    observation, observed = transform.observe_counts(classified)
    write_fragments(csv_lines(observed, started), scratch)
    return observation


def process(spark, args, airport_file: Path, keys: list[str], scratch: Path, started):
    """The new files' fragments in SCRATCH/fragments; returns the Observation of the rows per status.

    The dimension's checks run in a thread beside the flights pass: they are the run's first Spark job, mostly a cold
    JVM loading classes on one core, and the pass's output stays in SCRATCH, which is thrown away when they fail.
    One pass when every file has its contract header (the usual case); when one has none or a bad one, that pass
    is thrown away and the files are classified again with the header facts aggregated first."""
    clean = read_airports(spark, airport_file)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="airport-checks") as pool:
        checks = pool.submit(transform.check_airports, clean, str(airport_file))
        try:
            airports = transform.typed_airports(clean)
            lines, key_of = read_lines(spark, args.data, keys)
            assumption = rules.HeaderAssumption(lines.inputFiles())
            observation = classify_into(scratch / "assumed", lines, key_of, airports, args, started, assumption)
        finally:
            checks.result()  # a dimension error is the one to report, whatever the pass raised
    if assumption.held():
        os.replace(scratch / "assumed", scratch / "fragments")
        return observation
    return classify_into(scratch / "fragments", lines, key_of, airports, args, started)


def export(state: Path, out: Path) -> None:
    """OUT files = header + every fragment, in source-file order (a byte copy, however large the table)."""
    out.mkdir(parents=True, exist_ok=True)
    for kind, (name, columns) in OUTPUTS.items():
        tmp = out / f".{name}.tmp"
        with tmp.open("wb") as dst:
            dst.write((",".join(columns) + "\n").encode())
            for fragment in sorted((state / kind).glob("*.csv")) if (state / kind).exists() else []:
                with fragment.open("rb") as src:
                    shutil.copyfileobj(src, dst)
        os.replace(tmp, out / name)


def run(args: argparse.Namespace) -> dict:
    airport_file = args.data / args.airport_codes
    if not airport_file.is_file():
        raise SystemExit(f"local run: airport file {airport_file} not found (expected {args.airport_codes} under --data {args.data})")
    flights = args.data / args.flights_prefix
    if not flights.is_dir():
        raise SystemExit(f"local run: no flights folder {flights} (expected {args.flights_prefix} under --data {args.data})")
    args.state.mkdir(parents=True, exist_ok=True)
    bookmark_file = args.state / BOOKMARK
    seen = json.loads(bookmark_file.read_text())["files"] if bookmark_file.exists() else {}
    current = scan(args.data, args.flights_prefix)
    changed = [k for k, v in current.items() if seen.get(k) != v]
    keys = [k for k in changed if rules.is_data_file(k)]
    summary = transform.summarize(None, files_ignored=len(changed) - len(keys))
    if keys:
        started = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        with tempfile.TemporaryDirectory(dir=args.state) as scratch:
            spark = spark_session(sum(current[k][1] for k in keys))
            observation = process(spark, args, airport_file, keys, Path(scratch), started)
            replace_fragments(args.state, keys, Path(scratch) / "fragments")
        summary = transform.summarize(observation, files=keys, files_ignored=len(changed) - len(keys))
    if args.out and (keys or not all((args.out / name).exists() for name, _ in OUTPUTS.values())):
        export(args.state, args.out)
    # Like job.commit(): the bookmark moves only after the run's output is in place.
    tmp = args.state / f".{BOOKMARK}.tmp"
    tmp.write_text(json.dumps({"files": current}, indent=1, sort_keys=True))
    os.replace(tmp, bookmark_file)
    return summary


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    try:
        summary = run(args)
    except transform.AirportDimensionError as e:
        raise SystemExit(f"local run: {e}") from None
    print(json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
