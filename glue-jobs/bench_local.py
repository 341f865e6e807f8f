"""`npm run bench:local [-- --runs N]`: the local run on vega-datasets flights-3m laid out as 182 daily partitions,
each figure next to a yardstick timed in the same run (a fresh process each, JVM start included), N times (default
3) alternating with it; ratios are taken pair by pair and reported as median and range:

- first run over every day but the last, against plain PySpark doing the bare work on the same files: read the
  CSV, join twice with the airport file (broadcast), write CSV;
- a one-file run (the last day, on an empty state) and the incremental run adding that day to the full state,
  against a Spark session start with the same settings, and the one-file run
  also against plain PySpark doing the bare work on that one file (on a cold JVM, Spark's first queries cost more
  than the session start itself);
- the export of the whole table (`--out`), which is a byte copy.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "tests"))
import vega_flights  # noqa: E402


def timed(argv: list[str]) -> tuple[float, str]:
    # The dirty pages of the step before (the first run writes 460 MB) are flushed first, not during this one.
    os.sync()
    started = time.perf_counter()
    result = subprocess.run([sys.executable, *argv], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{result.stderr}")
    return elapsed, result.stdout


def local_run(data: Path, state: Path, out: Path | None = None) -> tuple[float, dict]:
    argv = [str(HERE / "local_run.py"), "--data", str(data), "--state", str(state)] + (["--out", str(out)] if out else [])
    elapsed, stdout = timed(argv)
    return elapsed, json.loads(stdout.strip().splitlines()[-1])


def yardstick(*argv: str) -> float:
    return timed([__file__, "--yardstick", *argv])[0]


def session(data: str):
    """A session with the local run's settings (DATA: the yardstick's argument, unused)."""
    import local_run

    return local_run.spark_session()


def plain_pyspark(data: str, out: str) -> None:
    """The bare work: read the day files as CSV, join origin and destination with the airports, write CSV."""
    from pyspark.sql import functions as F

    spark = session(data)
    airports = spark.read.option("header", True).csv(f"{data}/airport_codes/airport_codes.csv")
    side = lambda p: F.broadcast(airports.select(*[F.col(c).alias(f"{p}_{c}") for c in airports.columns]))  # noqa: E731
    flights = spark.read.option("header", True).csv(f"{data}/daily_flights/*/*.csv")
    (
        flights.join(side("dep"), F.col("OriginAirportID") == F.col("dep_airport_id"), "left")
        .join(side("arr"), F.col("DestAirportID") == F.col("arr_airport_id"), "left")
        .write.csv(out)
    )


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f} over {len(values)} runs)"


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-local-") as tmp:
        root = Path(tmp)
        print("laying out flights-3m as daily files ...", file=sys.stderr)
        days = vega_flights.days_from_3m()
        ordered = sorted(days)
        last = ordered[-1]
        full, lone = root / "full", root / "lone"
        for data in (full, lone):
            vega_flights.copy_airports(data)
        vega_flights.write_days(full, {d: days[d] for d in ordered[:-1]})
        vega_flights.write_days(lone, {last: days[last]})

        # Each figure and its yardstick alternate, each run on an empty state: the ratios are taken pair by pair.
        plain, firsts, starts, lones, plain_lones = [], [], [], [], []
        for _ in range(runs):
            shutil.rmtree(root / "plain-out", ignore_errors=True)
            plain.append(yardstick("plain", str(full), str(root / "plain-out")))
            shutil.rmtree(root / "full-state", ignore_errors=True)
            elapsed, first = local_run(full, root / "full-state")
            firsts.append(elapsed)
        export_s, _ = local_run(full, root / "full-state", root / "full-out")
        for _ in range(runs):
            starts.append(yardstick("session", str(lone)))
            shutil.rmtree(root / "lone-state", ignore_errors=True)
            elapsed, alone = local_run(lone, root / "lone-state")
            lones.append(elapsed)
            shutil.rmtree(root / "plain-lone-out", ignore_errors=True)
            plain_lones.append(yardstick("plain", str(lone), str(root / "plain-lone-out")))
        vega_flights.write_days(full, {last: days[last]})
        incremental_s, incremental = local_run(full, root / "full-state")
        table_mb = (root / "full-out" / "daily_flights_processed.csv").stat().st_size / 1e6

    ratio = lambda a, b: [x / y for x, y in zip(a, b, strict=True)]  # noqa: E731
    med = statistics.median
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(
        f"first run: {first['files_processed']} days, {first['rows_in']:,} rows ({first['rows_loaded']:,} loaded, "
        f"{first['rows_quarantined']:,} quarantined) in {med(firsts):.1f} s; plain PySpark on the same files: {med(plain):.1f} s; "
        f"ratio {spread(ratio(firsts, plain))}"
    )
    print(
        f"one-file run ({last}, {alone['rows_in']:,} rows, empty state): {med(lones):.1f} s; Spark session start: {med(starts):.1f} s; "
        f"ratio {spread(ratio(lones, starts))}; plain PySpark on the same file: {med(plain_lones):.1f} s (ratio to session start "
        f"{spread(ratio(plain_lones, starts))}); ratio to plain PySpark {spread(ratio(lones, plain_lones))}"
    )
    print(
        f"incremental run adding {last} to the full state: {incremental['files_processed']} file, {incremental_s:.1f} s; "
        f"ratio to the median session start {incremental_s / med(starts):.2f}"
    )
    print(f"export of the whole table with --out (nothing new, {table_mb:,.0f} MB of CSV): {export_s:.1f} s")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--yardstick"]:
        sys.path.insert(0, str(HERE))
        {"plain": lambda: plain_pyspark(*sys.argv[3:5]), "session": lambda: session(sys.argv[3])}[sys.argv[2]]()
    else:
        import argparse

        parser = argparse.ArgumentParser(prog="npm run bench:local --", allow_abbrev=False)
        parser.add_argument("--runs", type=int, default=3, help="alternating pairs per measure")
        main(parser.parse_args().runs)
