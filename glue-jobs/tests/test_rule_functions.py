"""The building blocks of the rules and the transform, one function at a time (what the row-rule scenarios reach
only through a whole classification)."""

from datetime import datetime

import flights_rules as rules
import flights_transform as transform
import pytest
from conftest import lines_df
from pyspark.sql import functions as F

DAY = "daily_flights/date=2001-01-15/flights.csv"
HEADER = "Carrier,OriginAirportID,DestAirportID,DepDelay,ArrDelay"
ANCHORAGE, ADAK = 10299, 10165
AT = datetime(2026, 1, 2, 3, 4, 5)


def test_configure_session_sets_what_the_rules_rely_on(spark):
    expected = {
        "spark.sql.legacy.timeParserPolicy": "CORRECTED",
        "spark.sql.ansi.enabled": "false",
        "spark.sql.codegen.hugeMethodLimit": "8000",
    }
    # The opposite of each (ANSI mode is on by default from Spark 4, Glue 6.0).
    for key, value in {
        "spark.sql.legacy.timeParserPolicy": "EXCEPTION",
        "spark.sql.ansi.enabled": "true",
        "spark.sql.codegen.hugeMethodLimit": "65535",
    }.items():
        spark.conf.set(key, value)
    rules.configure_session(spark)
    assert {key: spark.conf.get(key) for key in expected} == expected


@pytest.mark.parametrize("key, data", [("a/b.csv", True), ("a/b.CSV", False), ("a/b.csv.gz", False), ("a/b.txt", False), ("a/csv", False)])
def test_only_keys_ending_in_dot_csv_are_data(key, data):
    assert rules.is_data_file(key) is data


@pytest.mark.parametrize("key, unsafe", [("a;b.csv", True), ("a%b.csv", True), ("a\rb.csv", True), ("a\nb.csv", True), ("a b+c'd.csv", False)])
def test_keys_the_load_actions_cannot_carry(key, unsafe):
    assert rules.is_unsafe_key(key) is unsafe


def test_source_id_is_readable_trimmed_and_hashed():
    assert rules.source_id(DAY) == "daily_flights_date_2001-01-15_flights.csv-" + __import__("hashlib").sha1(DAY.encode()).hexdigest()[:10]
    assert rules.source_id("/x/").startswith("x-")
    assert rules.source_id("X/y.csv").startswith("X_y.csv-")
    assert len(rules.source_id("d/" + "e" * 200 + ".csv").split("-")[0]) == 80


def test_raw_lines_of_a_read_that_found_nothing_new_is_none(spark):
    assert transform.raw_lines(spark.createDataFrame([], "col0 string, source_uri string")) is None
    assert transform.raw_lines(spark.range(0).drop("id")) is None


def test_raw_lines_names_the_reader_option_when_the_file_column_is_missing(spark):
    frame = spark.createDataFrame([("AA,1,2,3,4",)], "col0 string")
    with pytest.raises(
        transform.SourceColumnMissing, match=r"columns \['col0'\], not col0 and source_uri: check the format option attachFilename='source_uri'"
    ):
        transform.raw_lines(frame)
    with pytest.raises(transform.SourceColumnMissing):
        transform.raw_lines(spark.createDataFrame([("s3://b/k.csv",)], "source_uri string"))


def test_raw_lines_are_source_file_and_value(spark):
    frame = spark.createDataFrame([("AA,1,2,3,4", f"s3://bucket/{DAY}")], "col0 string, source_uri string")
    assert [tuple(r) for r in transform.raw_lines(frame).collect()] == [(DAY, "AA,1,2,3,4")]
    assert transform.raw_lines(frame).columns == ["source_file", "value"]


def test_airport_columns_are_found_whatever_their_case_spaces_or_carriage_return(spark):
    frame = spark.createDataFrame([("10165", "Adak Island", "AK", "Adak")], ["Airport_ID", " City", "STATE ", "name\r"])
    [row] = transform.normalize_airports(frame, "dim.csv").collect()
    assert row.asDict() == {"airport_id": 10165, "city": "Adak Island", "state": "AK", "name": "Adak"}


def test_missing_airport_columns_are_listed_with_the_columns_found(spark):
    frame = spark.createDataFrame([("1", "a")], ["id", "city"])
    with pytest.raises(transform.AirportDimensionError) as error:
        transform.normalize_airports(frame, "dim.csv")
    assert str(error.value) == "dim.csv: missing column(s) airport_id, state, name; found id, city"


def test_a_stray_carriage_return_inside_a_line_is_dropped(spark, airports):
    text = f"{HEADER}\nA\rA,{ANCHORAGE},{ADAK},1,2\n"
    [row] = transform.classify(lines_df(spark, {DAY: text}), airports).collect()
    assert (row["status"], row["carrier"]) == ("loaded", "AA")


def test_loaded_and_quarantined_rows_carry_their_time_and_only_their_status(spark, airports):
    text = f"{HEADER}\nAA,{ANCHORAGE},{ADAK},1,2\nAA,0,{ADAK},1,2\nAA,{ANCHORAGE},{ADAK},,\n"
    classified = transform.classify(lines_df(spark, {DAY: text}), airports)
    loaded = transform.loaded_rows(classified, AT).collect()
    quarantined = transform.quarantined_rows(classified, AT).collect()
    # The good row and the cancelled flight (empty delays), each stamped with the load time.
    assert sorted((r["dep_delay"] is None, r["loaded_at"]) for r in loaded) == [(False, AT), (True, AT)]
    assert [(r["line"], r["quarantined_at"], r["source_file"]) for r in quarantined] == [(f"AA,0,{ADAK},1,2", AT, DAY)]
    assert list(transform.loaded_rows(classified, AT).columns) == list(transform.FACT_COLUMNS)
    assert list(transform.quarantined_rows(classified, AT).columns) == list(transform.QUARANTINE_COLUMNS)
    # The Glue writer partitions the quarantine by the source_id classify carries (once per file).
    kept = transform.quarantined_rows(classified, AT, keep=("source_id",)).collect()
    assert [(r["line"], r["source_id"]) for r in kept] == [(f"AA,0,{ADAK},1,2", rules.source_id(DAY))]


def test_count_statuses_counts_every_status_and_summarize_counts_absent_ones_as_zero(spark, airports):
    text = f"{HEADER}\nAA,{ANCHORAGE},{ADAK},1,2\nAA,0,{ADAK},1,2\nAA,{ANCHORAGE},{ADAK},90,2\n"
    assert transform.count_statuses(transform.classify(lines_df(spark, {DAY: text}), airports, 60)) == {"loaded": 1, "quarantined": 1, "filtered": 1}
    assert transform.summarize({"loaded": 3}) == {
        "files_processed": 0,
        "files_ignored": 0,
        "rows_in": 3,
        "rows_loaded": 3,
        "rows_quarantined": 0,
        "rows_filtered": 0,
        "files": [],
        "files_set_aside": [],
    }
    many = [f"k{i:03}" for i in range(150)]
    report = transform.summarize(None, files=many, files_ignored=2, files_set_aside=many[::-1])
    assert (report["files"], report["files_set_aside"]) == (many[:100], many[:100])


def test_the_source_id_column_trims_like_source_id(spark):
    for key in ["X/date=2001-01-15/f.csv", "_/a.csv_", "d.csvX"]:
        assert spark.createDataFrame([(key,)], "k string").select(rules.source_id_column(F.col("k")).alias("i")).first()["i"] == rules.source_id(key)


def test_clean_field_leaves_carriage_returns_to_the_caller_that_says_they_are_gone(spark):
    # strip_cr=False spares a pass over every field of lines that lost their CRs already: it must not strip again.
    frame = spark.createDataFrame([(' "x\ry" ',)], "v string")
    assert frame.select(rules.clean_field(F.col("v"), strip_cr=False).alias("c")).first()["c"] == "x\ry"
