"""The one pass of the Glue job and the local run (flights_transform.run_pass), with a sink that records its calls."""

from datetime import datetime

import flights_rules as rules
import flights_transform as transform
import pytest
from conftest import lines_df
from pyspark.sql import functions as F

DAY = "daily_flights/date=2001-01-15/flights.csv"
OTHER = "daily_flights/date=2001-01-16/flights.csv"
UNSAFE = "daily_flights/date=2001-01-17/a;b.csv"
HEADER = "Carrier,OriginAirportID,DestAirportID,DepDelay,ArrDelay"
ANCHORAGE, ADAK = 10299, 10165
AT = datetime(2026, 1, 2, 3, 4, 5)


class RecordingSink:
    def __init__(self):
        self.calls = []

    def clear(self, files):
        self.calls.append(("clear", files))

    def quarantine(self, rows):
        self.calls.append(("quarantine", sorted(map(tuple, rows.collect())), rows.columns))

    def load(self, rows, files, rows_loaded):
        self.calls.append(("load", None if rows is None else sorted(map(tuple, rows.collect())), files, rows_loaded))


@pytest.fixture(scope="module")
def dimension(spark):
    frame = spark.createDataFrame(
        [(str(ANCHORAGE), "Anchorage", "AK", "Ted Stevens"), (str(ADAK), "Adak", "AK", "Adak")], "airport_id string, city string, state string, name string"
    )
    return transform.dimension(frame, "dim.csv")


def run(spark, dimension, files_text, files=None, **kw):
    sink = RecordingSink()
    lines = None if files_text is None else lines_df(spark, files_text)
    summary = transform.run_pass(lines, dimension, sorted(files_text) if files is None else files, sink, started=AT, **kw)
    return summary, sink.calls


def test_a_pass_counts_then_clears_quarantines_and_loads_each_with_its_source_id(spark, dimension):
    good, bad = f"AA,{ANCHORAGE},{ADAK},1,2", f"AA,0,{ADAK},1,2"
    summary, calls = run(spark, dimension, {DAY: f"{HEADER}\n{good}\n{bad}\n", OTHER: f"{HEADER}\n{good}\n"}, files_ignored=3)
    assert (summary["rows_loaded"], summary["rows_quarantined"], summary["files_ignored"], summary["files"]) == (2, 1, 3, [DAY, OTHER])
    [clear, quarantine, load] = calls
    assert clear == ("clear", [DAY, OTHER])
    reason = "OriginAirportID 0 is not in the airport dimension"
    assert quarantine == (
        "quarantine",
        [(DAY, bad, reason, datetime(2001, 1, 15).date(), AT, rules.source_id(DAY))],
        [*transform.QUARANTINE_COLUMNS, "source_id"],
    )
    assert load[0] == "load" and load[2:] == ([DAY, OTHER], 2)
    assert sorted((r[transform.FACT_COLUMNS.index("source_file")], r[-2], r[-1]) for r in load[1]) == [
        (DAY, AT, rules.source_id(DAY)),
        (OTHER, AT, rules.source_id(OTHER)),
    ]


def test_without_quarantined_rows_nothing_is_quarantined_and_the_threshold_filters(spark, dimension):
    summary, calls = run(spark, dimension, {DAY: f"{HEADER}\nAA,{ANCHORAGE},{ADAK},1,2\nAA,{ANCHORAGE},{ADAK},90,2\n"}, threshold=60)
    assert (summary["rows_loaded"], summary["rows_filtered"]) == (1, 1)
    assert [c[0] for c in calls] == ["clear", "load"] and calls[1][3] == 1


def test_a_file_whose_key_the_actions_cannot_carry_is_quarantined_and_never_loaded(spark, dimension):
    summary, calls = run(spark, dimension, {UNSAFE: f"{HEADER}\nAA,{ANCHORAGE},{ADAK},1,2\n", DAY: f"{HEADER}\n"})
    assert summary["rows_quarantined"] == 1
    assert [c[0] for c in calls] == ["clear", "quarantine", "load"]
    assert calls[2][2:] == ([DAY], 0)


def test_a_pass_with_no_line_still_clears_and_replaces_the_rows_of_its_emptied_files(spark, dimension):
    summary, calls = run(spark, None, None, files=[DAY])
    assert summary["files_processed"] == 1 and summary["rows_in"] == 0
    assert calls == [("clear", [DAY]), ("load", None, [DAY], 0)]


def test_a_pass_with_no_file_touches_no_sink(spark, dimension):
    assert run(spark, dimension, {}, files=[])[1] == []


def test_a_bad_dimension_stops_the_pass_before_anything_is_written(spark):
    frame = spark.createDataFrame([("X1", "Adak", "AK", "Adak")], "airport_id string, city string, state string, name string")
    sink = RecordingSink()
    with pytest.raises(transform.AirportDimensionError, match="field airport_id: value 'X1' is not an integer"):
        transform.run_pass(lines_df(spark, {DAY: f"{HEADER}\nAA,1,2,3,4\n"}), transform.dimension(frame, "dim.csv"), [DAY], sink, started=AT)
    assert sink.calls == []


def test_the_cached_outcome_keeps_only_what_the_table_the_quarantine_and_the_counts_take(spark, dimension):
    classified = transform.classify(lines_df(spark, {DAY: f"{HEADER}\nAA,{ANCHORAGE},{ADAK},1,2\n"}), transform.typed_airports(dimension.clean))
    kept = transform.outcome(classified).columns
    needed = ({*transform.FACT_COLUMNS, *transform.QUARANTINE_COLUMNS} - {"loaded_at", "quarantined_at"}) | {"status", "source_id"}
    assert sorted(kept) == sorted(needed)
    assert transform.outcome(classified).where(F.col("status") == "loaded").count() == 1
