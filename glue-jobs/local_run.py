"""Runs the Glue job's transform on local Spark over a folder laid out like the data bucket.

    npm run local -- --data DIR --state DIR --out DIR [--dep-delay-threshold N]

Incremental like job bookmarks: only .csv files new or modified (mtime or size) since the last run with the same
--state are processed. The state keeps one fragment per source file of the table and of the quarantine, so a
reprocessed file replaces exactly its own rows, and a run costs what its new files cost plus a file copy.
After each run OUT holds the whole current table and quarantine as CSV; the last stdout line is a JSON summary.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import flights_rules as rules
import flights_transform as transform

BOOKMARK = "bookmark.json"
TABLE_FILE = "daily_flights_processed.csv"
QUARANTINE_FILE = "quarantine.csv"
OUTPUTS = {"loaded": (TABLE_FILE, transform.FACT_COLUMNS), "quarantine": (QUARANTINE_FILE, transform.QUARANTINE_COLUMNS)}


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="npm run local --", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, type=Path, help="folder laid out like the bucket (airport_codes/, daily_flights/)")
    p.add_argument("--state", required=True, type=Path, help="bookmark and table fragments, kept between runs")
    p.add_argument("--out", required=True, type=Path, help=f"where {TABLE_FILE} and {QUARANTINE_FILE} are written")
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
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    rules.configure_session(spark)
    return spark


def read_lines(spark, data: Path, keys: list[str]):
    """Raw lines with their object key (Spark reports percent-encoded file URIs; '+' stays literal)."""
    from pyspark.sql import functions as F

    uri = F.expr("url_decode(replace(input_file_name(), '+', '%2B'))")
    prefix = f"^file:(//)?\\Q{data.resolve().as_posix()}\\E/"
    return spark.read.text([str(data / k) for k in keys]).select(F.regexp_replace(uri, prefix, "").alias("source_file"), "value")


def write_fragments(df, state: Path, kind: str, keys: list[str], scratch: Path) -> None:
    """Writes each processed file's rows as its own fragment (empty when it has none now), replacing the old one."""
    from pyspark.sql import functions as F

    spark = df.sparkSession
    ids = F.broadcast(spark.createDataFrame([(k, rules.source_id(k)) for k in keys], ["source_file", "source_id"]))
    out = scratch / kind
    (df.join(ids, "source_file").select(*df.columns, "source_id").repartition("source_id")
        .write.partitionBy("source_id").option("header", False).option("emptyValue", "").option("nullValue", "")
        .option("timestampFormat", "yyyy-MM-dd HH:mm:ss").csv(str(out)))
    target = state / kind
    target.mkdir(parents=True, exist_ok=True)
    for key in keys:
        sid = rules.source_id(key)
        tmp = target / f".{sid}.csv.tmp"
        with tmp.open("wb") as fragment:
            for part in sorted((out / f"source_id={sid}").glob("part-*.csv")):
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
    args.state.mkdir(parents=True, exist_ok=True)
    bookmark_file = args.state / BOOKMARK
    seen = json.loads(bookmark_file.read_text())["files"] if bookmark_file.exists() else {}
    current = scan(args.data, args.flights_prefix)
    changed = [k for k, v in current.items() if seen.get(k) != v]
    keys = [k for k in changed if rules.is_data_file(k)]
    summary = transform.summarize(None, files_ignored=len(changed) - len(keys))
    if keys:
        started = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
        spark = spark_session()
        airports = transform.normalize_airports(
            spark.read.option("header", True).csv(str(airport_file)), source=str(airport_file)
        ).cache()
        classified = transform.classify(read_lines(spark, args.data, keys), airports, args.dep_delay_threshold).cache()
        summary = transform.summarize(classified, files=keys, files_ignored=len(changed) - len(keys))
        with tempfile.TemporaryDirectory(dir=args.state) as scratch:
            write_fragments(transform.loaded_rows(classified, started), args.state, "loaded", keys, Path(scratch))
            write_fragments(transform.quarantined_rows(classified, started), args.state, "quarantine", keys, Path(scratch))
    if keys or not all((args.out / name).exists() for name, _ in OUTPUTS.values()):
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
        raise SystemExit(f"local run: {e}")
    print(json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
