"""Runs the Glue job's transform on local Spark over a folder laid out like the data bucket.

    npm run local -- --data DIR --state DIR --out DIR [--dep-delay-threshold N]

Incremental like job bookmarks: only .csv files new or modified (mtime or size) since the last run with the same
--state are processed, through the Glue job's own pass (flights_transform.run_pass); only the I/O differs. The state
keeps one CSV fragment per source file of the table and of the quarantine, so a reprocessed file replaces exactly
its own rows. With --out, OUT then holds the whole current table and quarantine as CSV (a byte copy of the fragments).
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
from datetime import UTC, datetime
from pathlib import Path

import flights_rules as rules
import flights_transform as transform

BOOKMARK = "bookmark.json"
TABLE_FILE = "daily_flights_processed.csv"
QUARANTINE_FILE = "quarantine.csv"
OUTPUTS = {"loaded": (TABLE_FILE, transform.FACT_COLUMNS), "quarantine": (QUARANTINE_FILE, transform.QUARANTINE_COLUMNS)}
# What a Redshift (or PostgreSQL) COPY of CSV takes: empty strings and NULLs both as empty fields, timestamps to the
# second, a quote inside a value doubled (Spark's default escapes it with a backslash, which COPY reads as an
# unterminated field), and values kept whole (Spark's writer trims their ends by default: a quarantined raw line
# would lose its spaces).
CSV_OPTIONS = {"emptyValue": "", "nullValue": "", "timestampFormat": "yyyy-MM-dd HH:mm:ss", "escape": '"'}
CSV_OPTIONS |= {"ignoreLeadingWhiteSpace": "false", "ignoreTrailingWhiteSpace": "false"}


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


def spark_session():
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
        # (a task reads at most 128 MB, about 32 small files; past 100 Spark sorts again).
        .config("spark.sql.maxConcurrentOutputFileWriters", "100")
        # The fragments are moved into the state by this script: no checksum file beside each (Hadoop's raw local
        # file system), and each task commits straight into the output folder instead of the job renaming every
        # file once more.
        .config("spark.hadoop.fs.file.impl", "org.apache.hadoop.fs.RawLocalFileSystem")
        .config("spark.hadoop.mapreduce.fileoutputcommitter.algorithm.version", "2")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    rules.configure_session(spark)
    return spark


def read_airports(spark, path: Path):
    """The airport file with its own header as column names, as the dimension the shared pass checks and joins;
    reading the header here spares Spark a job."""
    from pyspark.sql.types import StringType, StructField, StructType

    with path.open(newline="", encoding="utf-8") as f:
        header = next(csv.reader(f), [])
    schema = StructType([StructField(name, StringType()) for name in header])
    return transform.dimension(spark.read.schema(schema).option("header", True).csv(str(path)), source=str(path))


def read_lines(spark, data: Path, keys: list[str]):
    """Raw lines with the URI Spark reports for their file, and the function from that URI to the object key
    (Spark reports percent-encoded file URIs; '+' stays literal), which the transform applies once per file."""
    from pyspark.sql import functions as F

    prefix = f"^file:(//)?\\Q{data.resolve().as_posix()}\\E/"

    def key_of(uri):
        return F.regexp_replace(F.url_decode(F.replace(uri, F.lit("+"), F.lit("%2B"))), prefix, "")

    lines = spark.read.text([str(data / k) for k in keys]).select(F.input_file_name().alias("source_file"), "value")
    return lines, key_of


class FolderSink:
    """The run's outcome as Spark part files under SCRATCH/<kind>/source_id=<id>/ (see replace_fragments)."""

    def __init__(self, scratch: Path):
        self.scratch = scratch

    def clear(self, files: list[str]) -> None:
        """Nothing yet: replace_fragments replaces each processed file's fragments whole, empty when it has no row."""

    def quarantine(self, rows) -> None:
        self.write(rows, "quarantine")

    def load(self, rows, files: list[str], rows_loaded: int) -> None:
        if rows_loaded:
            self.write(rows, "loaded")

    def write(self, rows, kind: str) -> None:
        rows.write.options(**CSV_OPTIONS).partitionBy("source_id").csv(str(self.scratch / kind))


def replace_fragments(state: Path, keys: list[str], scratch: Path) -> None:
    """Moves each processed file's rows into the state as its own fragment per kind (empty when it has none now)."""
    for kind in OUTPUTS:
        target = state / kind
        target.mkdir(parents=True, exist_ok=True)
        for key in keys:
            sid = rules.source_id(key)
            parts = sorted((scratch / kind / f"source_id={sid}").glob("part-*"))
            if len(parts) == 1:  # the usual case: a file's rows come from one task
                os.replace(parts[0], target / f"{sid}.csv")
                continue
            tmp = target / f".{sid}.csv.tmp"
            with tmp.open("wb") as fragment:
                for part in parts:
                    with part.open("rb") as src:
                        shutil.copyfileobj(src, fragment)
            os.replace(tmp, target / f"{sid}.csv")


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
        spark = spark_session()
        airports = read_airports(spark, airport_file)
        lines, key_of = read_lines(spark, args.data, keys)
        with tempfile.TemporaryDirectory(dir=args.state) as scratch:
            summary = transform.run_pass(
                lines,
                airports,
                keys,
                FolderSink(Path(scratch)),
                started=started,
                threshold=args.dep_delay_threshold,
                files_ignored=summary["files_ignored"],
                key_of=key_of,
            )
            replace_fragments(args.state, keys, Path(scratch))
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
