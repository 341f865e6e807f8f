"""Realistic daily flight files from the BTS records of 2001 that the npm package vega-datasets carries.

vega's flights name airports by IATA code; the contract wants BTS airport ids. vega's airports.csv gives each
code's city and state, which find the BTS id in the real airport file (by name when a city has several airports).
Codes that find none keep an id outside the dimension: their flights are quarantined, as real unknown airports
would be. vega has no carrier and one delay: the carrier is derived from the route and ArrDelay from DepDelay and
the distance, both deterministic, so every run builds the same files.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

# PIPELINE_REPO: the checkout, when the tests run from a copy (mutation testing runs them from cdktf.out/).
REPO = Path(os.environ.get("PIPELINE_REPO", Path(__file__).resolve().parents[2]))
VEGA = REPO / "node_modules" / "vega-datasets" / "data"
AIRPORTS_FILE = Path(__import__("os").environ.get("AIRPORT_CODES_FILE", Path(__file__).resolve().parent / "data" / "airports_codes.csv"))
CARRIERS_2001 = ("AA", "UA", "DL", "NW", "US", "CO", "WN", "AS", "HP", "TW")
HEADER = "Carrier,OriginAirportID,DestAirportID,DepDelay,ArrDelay"
UNKNOWN_ID_BASE = 90000  # BTS ids are 10000-16999: these are never in the dimension


def _norm_city(city: str) -> str:
    c = city.lower().replace("ft. ", "fort ").replace("st ", "st. ").replace("-", "/").strip()
    return c


def bts_ids() -> dict[str, int]:
    """IATA code -> BTS airport id, for every code vega's flights use that the airport file has."""
    by_place = defaultdict(list)
    with AIRPORTS_FILE.open(newline="") as f:
        for row in csv.DictReader(f):
            by_place[(_norm_city(row["city"]), row["state"].strip())].append(row)
    ids = {}
    with (VEGA / "airports.csv").open(newline="") as f:
        for v in csv.DictReader(f):
            candidates = by_place.get((_norm_city(v["city"]), v["state"]), [])
            if not candidates:
                continue
            words = set(v["name"].lower().split())
            best = max(candidates, key=lambda r: len(words & set(r["name"].strip().lower().split())))
            ids[v["iata"]] = int(best["airport_id"])
    return ids


def _unknown_id(code: str) -> int:
    return UNKNOWN_ID_BASE + int(hashlib.sha1(code.encode()).hexdigest(), 16) % 9000


def to_row(ids: dict[str, int], origin: str, destination: str, delay: int, distance: int) -> str:
    carrier = CARRIERS_2001[int(hashlib.md5(f"{origin}-{destination}".encode()).hexdigest(), 16) % len(CARRIERS_2001)]
    arr_delay = delay + (distance % 21) - 10
    return f"{carrier},{ids.get(origin) or _unknown_id(origin)},{ids.get(destination) or _unknown_id(destination)},{delay},{arr_delay}"


def flights_20k() -> Iterator[dict]:
    """vega's 20,000-flight sample: {date: '2001/01/01 00:47', delay, distance, origin, destination}."""
    yield from json.loads((VEGA / "flights-20k.json").read_text())


def write_days(root: Path, rows_by_day: dict[str, Iterable[str]], name: str = "flights.csv", crlf: bool = False) -> list[Path]:
    """Writes ``root/daily_flights/date=<day>/<name>`` for each day, with the contract header."""
    newline = "\r\n" if crlf else "\n"
    written = []
    for day, rows in sorted(rows_by_day.items()):
        path = root / "daily_flights" / f"date={day}" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(newline.join([HEADER, *rows]) + newline)
        written.append(path)
    return written


def days_from_20k(first_days: int) -> dict[str, list[str]]:
    """The first N days of the 20k sample as contract rows, by day."""
    ids = bts_ids()
    by_day: dict[str, list[str]] = defaultdict(list)
    for f in flights_20k():
        day = f["date"][:10].replace("/", "-")
        by_day[day].append(to_row(ids, f["origin"], f["destination"], f["delay"], f["distance"]))
    return {d: by_day[d] for d in sorted(by_day)[:first_days]}


def copy_airports(root: Path) -> Path:
    target = root / "airport_codes" / "airport_codes.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(AIRPORTS_FILE.read_bytes())
    return target


def days_from_3m() -> dict[str, list[str]]:
    """All of flights-3m (2001-01-01 to 2001-06-30, 182 days) as contract rows, by day."""
    import pyarrow.parquet as pq

    table = pq.read_table(VEGA / "flights-3m.parquet", columns=["date", "delay", "distance", "origin", "destination"])
    ids = bts_ids()
    by_day: dict[str, list[str]] = defaultdict(list)
    cols = [table.column(c).to_pylist() for c in ("date", "delay", "distance", "origin", "destination")]
    for when, delay, distance, origin, destination in zip(*cols, strict=True):
        by_day[when.strftime("%Y-%m-%d")].append(to_row(ids, origin, destination, delay, distance))
    return dict(by_day)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Lay out vega-datasets flights like the data bucket", allow_abbrev=False)
    parser.add_argument("root", type=Path)
    parser.add_argument("--days", type=int, default=3, help="first N days of the 20k sample")
    args = parser.parse_args()
    copy_airports(args.root)
    written = write_days(args.root, days_from_20k(args.days), crlf=True)
    print(f"wrote {len(written)} daily files and the airport codes under {args.root}")
