"""`npm run bench:local`: the local run on vega-datasets flights-3m laid out as 182 daily partitions.

Prints the rows/s of a first run over every day but the last, then the time of the incremental run that adds the
last day next to a lone run of that day on an empty state (each run is a fresh process, JVM start included).
flights-3m's last day (2001-07-01) holds only a few flights, so it also reprocesses the last full day, modified,
next to a lone run of that day: the incremental cost with a real day's volume.
"""
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "tests"))
import vega_flights  # noqa: E402


def local_run(data: Path, state: Path, out: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(HERE / "local_run.py"), "--data", str(data), "--state", str(state), "--out", str(out)], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"local run failed:\n{result.stderr}")
    return elapsed, json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-local-") as tmp:
        root = Path(tmp)
        print("laying out flights-3m as daily files ...", file=sys.stderr)
        days = vega_flights.days_from_3m()
        ordered = sorted(days)
        last, big = ordered[-1], max(ordered[-8:-1], key=lambda d: len(days[d]))
        full, lone, lone_big = root / "full", root / "lone", root / "lone-big"
        for data in (full, lone, lone_big):
            vega_flights.copy_airports(data)
        vega_flights.write_days(full, {d: days[d] for d in ordered[:-1]})
        vega_flights.write_days(lone, {last: days[last]})
        modified_big = {big: days[big][: len(days[big]) // 2]}
        vega_flights.write_days(lone_big, modified_big)

        first_s, first = local_run(full, root / "full-state", root / "full-out")
        vega_flights.write_days(full, {last: days[last]})
        incremental_s, incremental = local_run(full, root / "full-state", root / "full-out")
        lone_s, alone = local_run(lone, root / "lone-state", root / "lone-out")
        time.sleep(0.01)
        vega_flights.write_days(full, modified_big)
        reprocess_s, reprocess = local_run(full, root / "full-state", root / "full-out")
        lone_big_s, alone_big = local_run(lone_big, root / "lone-big-state", root / "lone-big-out")

    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"first run: {first['files_processed']} days, {first['rows_in']:,} rows in {first_s:.1f} s = {first['rows_in'] / first_s:,.0f} rows/s "
          f"({first['rows_loaded']:,} loaded, {first['rows_quarantined']:,} quarantined)")
    print(f"incremental run adding {last}: {incremental['files_processed']} file, {incremental['rows_in']:,} rows, {incremental_s:.1f} s")
    print(f"lone run of {last} on an empty state: {alone['rows_in']:,} rows, {lone_s:.1f} s")
    print(f"incremental / lone = {incremental_s / lone_s:.2f}")
    print(f"reprocessing {big} (modified, {reprocess['rows_in']:,} rows) in the full state: {reprocess_s:.1f} s; "
          f"lone run of the same file: {lone_big_s:.1f} s; ratio {reprocess_s / lone_big_s:.2f}")


if __name__ == "__main__":
    main()
