"""The real airport file and realistic flights from vega-datasets."""

import csv
from collections import Counter
from datetime import date, datetime

import flights_transform as transform
import pytest
import vega_flights
from conftest import lines_df


def test_the_real_crlf_airport_file_loads_365_airports_without_a_carriage_return(airports):
    rows = airports.collect()
    assert len(rows) == 365
    assert not [r for r in rows if any("\r" in str(v) or str(v) != str(v).strip() for v in r.asDict().values())]
    assert {r["airport_id"]: r["city"] for r in rows}[10299] == "Anchorage"


@pytest.mark.parametrize(
    "text, message",
    [
        ("airport_id,city,state,name\n10165,Adak Island,AK,Adak\n10165,Adak,AK,Again\n", "dim.csv: field airport_id: value 10165 appears 2 times"),
        ("airport_id,city,state,name\nANC,Anchorage,AK,Ted\n", "dim.csv: field airport_id: value 'ANC' is not an integer"),
        ("id,city,state,name\n1,a,b,c\n", "dim.csv: missing column(s) airport_id"),
    ],
)
def test_an_unusable_airport_dimension_fails_with_file_field_and_value(spark, tmp_path, text, message):
    path = tmp_path / "dim.csv"
    path.write_text(text)
    with pytest.raises(transform.AirportDimensionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        transform.normalize_airports(spark.read.option("header", True).csv(str(path)), "dim.csv")


def test_vega_flights_of_a_week_join_both_airports_like_an_independent_python_join(spark, airports):
    days = vega_flights.days_from_20k(7)
    files = {f"daily_flights/date={d}/flights.csv": "\r\n".join([vega_flights.HEADER, *rows]) + "\r\n" for d, rows in days.items()}
    classified = transform.classify(lines_df(spark, files), airports).cache()
    loaded = transform.loaded_rows(classified, datetime(2026, 1, 1)).collect()

    with vega_flights.AIRPORTS_FILE.open(newline="") as f:
        dim = {int(r["airport_id"]): {k: v.strip() for k, v in r.items()} for r in csv.DictReader(f)}
    expected = Counter()
    for day, rows in days.items():
        for row in rows:
            carrier, origin, dest, dep, arr = row.split(",")
            if int(origin) in dim and int(dest) in dim:
                o, d = dim[int(origin)], dim[int(dest)]
                expected[(carrier, o["name"], d["name"], o["city"], d["city"], o["state"], d["state"], int(dep), int(arr), date.fromisoformat(day))] += 1
    got = Counter(tuple(r[c] for c in transform.FACT_COLUMNS[:10]) for r in loaded)
    assert got == expected
    summary = transform.summarize(transform.count_statuses(classified), files=files)
    assert summary["rows_in"] == sum(len(r) for r in days.values()) > 500
    assert summary["rows_loaded"] == sum(expected.values())
    assert summary["rows_quarantined"] == summary["rows_in"] - summary["rows_loaded"] > 0
    quarantined = transform.quarantined_rows(classified, datetime(2026, 1, 1)).collect()
    assert all(r["reason"].endswith("is not in the airport dimension") for r in quarantined)


def test_the_vendored_airport_file_is_the_projects_real_one():
    """The tests carry a copy of shared/data/airports_codes.csv (public BTS data) so they run outside this workplace."""
    shared = vega_flights.REPO.parent / "shared" / "data" / "airports_codes.csv"
    if not shared.exists():
        pytest.skip("no shared/ folder beside the repository")
    assert vega_flights.AIRPORTS_FILE.read_bytes() == shared.read_bytes()
    assert b"\r\n" in vega_flights.AIRPORTS_FILE.read_bytes()
