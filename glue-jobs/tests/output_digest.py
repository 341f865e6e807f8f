"""A digest of the local run's table and quarantine that ignores row order and the run's timestamps.

Pins the local run's output across rewrites of how it is computed: the same input must give the same rows.
    python glue-jobs/tests/output_digest.py OUT_DIR   prints the digest of OUT_DIR's two CSV files
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path

# The timestamp columns hold the run's start time, which differs between runs.
FILES = {"daily_flights_processed.csv": "loaded_at", "quarantine.csv": "quarantined_at"}


def sorted_rows(path: Path, timestamp_column: str) -> list[list[str]]:
    with path.open(newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        drop = header.index(timestamp_column)
        return [header[:drop] + header[drop + 1 :]] + sorted(row[:drop] + row[drop + 1 :] for row in reader)


def digest(out: Path) -> dict[str, dict]:
    result = {}
    for name, timestamp_column in FILES.items():
        rows = sorted_rows(out / name, timestamp_column)
        result[name] = {"rows": len(rows) - 1, "sha256": hashlib.sha256(json.dumps(rows).encode()).hexdigest()}
    return result


if __name__ == "__main__":
    print(json.dumps(digest(Path(sys.argv[1])), indent=1, sort_keys=True))


def scenario_digests(root: Path, local_run_main) -> list[dict]:
    """Two local runs over a few vega days with every kind of row, the second after one day changed and one was
    added; the digest of OUT after each. ``local_run_main`` is local_run.main (argv list)."""
    import os

    import vega_flights

    data, state, out = root / "data", root / "state", root / "out"
    vega_flights.copy_airports(data)
    days = vega_flights.days_from_20k(6)
    first, last = sorted(days)[:5], sorted(days)[5]
    vega_flights.write_days(data, {d: days[d] for d in first[:3]})
    vega_flights.write_days(data, {d: days[d] for d in first[3:]}, crlf=True)
    bad = [
        "AA,10299,10165,5,7",
        "A1,10299,10165,1,2",
        ",10299,10165,1,2",
        "AA,abc,10165,1,2",
        "AA,10299,99999,1,2",
        "AA,10299,10165,1.5,2",
        "AA,10299,10165,,",
        "AA,10299,10165",
        "AA,10299,10165,1,2,3",
        "",
        '"AA",10299,10165,3,4',
        "aa,10299,10165,2,2",
    ]
    vega_flights.write_days(data, {first[0]: bad}, name="extra.csv")
    (data / "daily_flights" / "loose.csv").write_text(f"{vega_flights.HEADER}\nAA,10299,10165,1,2\n")
    (data / "daily_flights" / "README.txt").write_text("not data")
    digests = []
    argv = ["--data", str(data), "--state", str(state), "--out", str(out)]
    local_run_main(argv)
    digests.append(digest(out))
    changed = vega_flights.write_days(data, {first[1]: days[first[1]][: len(days[first[1]]) // 2] + bad[:3]})[0]
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 10**9))
    vega_flights.write_days(data, {last: days[last]})
    local_run_main(argv)
    digests.append(digest(out))
    return digests
