"""Every row rule of DESIGN.md, on the real airport dimension."""

from datetime import date, datetime

import flights_rules as rules
import flights_transform as transform
import pytest
from conftest import UNDER_MUTMUT, lines_df

# The cases of a table share one Spark pass (a module fixture), except under mutmut: mutmut tests a mutant against
# the tests that called its function while it gathered statistics, and a module fixture calls them during its first
# test only, so a mutant of the reasons ran against one case (19 survived so, 2026-12-04).
BATCH_SCOPE = "function" if UNDER_MUTMUT else "module"

HEADER = "Carrier,OriginAirportID,DestAirportID,DepDelay,ArrDelay"
FOLDER = "daily_flights/date=2001-01-15/"
DAY = FOLDER + "flights.csv"
ANCHORAGE, ADAK = 10299, 10165  # both in the real airport file


def classify(spark, airports, files, threshold=None):
    rows = transform.classify(lines_df(spark, files), airports, threshold).collect()
    return sorted(rows, key=lambda r: (r["source_file"], r["line"]))


def reasons(rows):
    return {r["line"]: r["reason"] for r in rows if r["status"] == "quarantined"}


def classify_each(spark, airports, files):
    """{key: its sorted rows} of files classified together: each costs a Spark pass (about a second), and files
    classified together must come out as they do alone, since every rule is per row or per file."""
    by_key = {key: [] for key in files}
    for row in classify(spark, airports, files):
        by_key[row["source_file"]].append(row)
    return by_key


def evaluate(spark, function, values):
    """{value: function(column of value)} for every value, in one Spark job instead of one each."""
    from pyspark.sql import functions as F

    frame = spark.createDataFrame(list(enumerate(values)), "i int, v string")
    out = frame.select("i", function(F.col("v")).alias("out")).collect()
    return {values[r["i"]]: r["out"] for r in out}


def test_a_good_row_joins_both_airports_and_takes_the_date_from_the_partition(spark, airports):
    classified = transform.classify(lines_df(spark, {DAY: f"{HEADER}\nAA,{ANCHORAGE},{ADAK},-3,12\n"}), airports)
    [loaded] = transform.loaded_rows(classified, datetime(2026, 1, 1)).collect()
    assert (loaded["carrier"], loaded["dep_airport"], loaded["dep_city"], loaded["dep_state"]) == (
        "AA",
        "Ted Stevens Anchorage International",
        "Anchorage",
        "AK",
    )
    assert (loaded["arr_airport"], loaded["arr_city"], loaded["arr_state"]) == ("Adak", "Adak Island", "AK")
    assert (loaded["dep_delay"], loaded["arr_delay"], loaded["flight_date"]) == (-3, 12, date(2001, 1, 15))
    assert (loaded["dep_airport_id"], loaded["arr_airport_id"], loaded["source_file"]) == (ANCHORAGE, ADAK, DAY)


def test_crlf_spaces_quotes_and_blank_lines_are_tolerated(spark, airports):
    text = f'{HEADER}\r\n\r\n  AA , {ANCHORAGE} ,"{ADAK}", 5 ,7\r\n   \r\n'
    rows = classify(spark, airports, {DAY: text})
    assert [(r["status"], r["carrier"], r["dep_delay"], r["arr_delay"]) for r in rows] == [("loaded", "AA", 5, 7)]
    assert "\r" not in rows[0]["line"] and all("\r" not in str(v) for v in rows[0].asDict().values())


def test_empty_delays_are_cancelled_or_diverted_flights_loaded_with_null(spark, airports):
    rows = classify(spark, airports, {DAY: f"{HEADER}\nUA,{ANCHORAGE},{ADAK},,\nUA,{ADAK},{ANCHORAGE},4,\n"})
    assert sorted(((r["status"], r["dep_delay"], r["arr_delay"]) for r in rows), key=str) == [("loaded", 4, None), ("loaded", None, None)]


BAD_ROWS = [
    (f"AA,{ANCHORAGE},{ADAK},1", "expected 5 fields, found 4"),
    (f"AA,{ANCHORAGE},{ADAK},1,2,3", "expected 5 fields, found 6"),
    (f",{ANCHORAGE},{ADAK},1,2", "Carrier is empty"),
    (f"AA,ANC,{ADAK},1,2", "OriginAirportID 'ANC' is not an integer"),
    (f"AA,{ANCHORAGE},10165.0,1,2", "DestAirportID '10165.0' is not an integer"),
    (f"AA,{ANCHORAGE},{ADAK},12.5,2", "DepDelay '12.5' is not an integer"),
    (f"AA,{ANCHORAGE},{ADAK},3,abc", "ArrDelay 'abc' is not an integer"),
    (f"AA,99999,{ADAK},1,2", "OriginAirportID 99999 is not in the airport dimension"),
    (f"AA,{ANCHORAGE},12345678,1,2", "DestAirportID 12345678 is not in the airport dimension"),
    (f"AA,{ANCHORAGE},{'9' * 30},1,2", f"DestAirportID '{'9' * 30}' is not an integer"),
]


@pytest.fixture(scope=BATCH_SCOPE)
def bad_row_files(spark, airports):
    """{bad line: the rows of its file}: each bad line in a file of its own, beside a good line, one pass for all."""
    keys = {line: f"{FOLDER}bad-{i}.csv" for i, (line, _) in enumerate(BAD_ROWS)}
    by_key = classify_each(spark, airports, {key: f"{HEADER}\n{line}\nAA,{ANCHORAGE},{ADAK},0,0\n" for line, key in keys.items()})
    return {line: by_key[key] for line, key in keys.items()}


@pytest.mark.parametrize("line, reason", BAD_ROWS)
def test_a_bad_row_is_quarantined_with_a_reason_naming_field_and_value(bad_row_files, line, reason):
    rows = bad_row_files[line]
    assert reasons(rows) == {line: reason}
    assert [r["status"] for r in rows if r["line"] != line] == ["loaded"]


UNSAFE_NAMES = ["a;b.csv", "a%41b.csv"]


@pytest.fixture(scope=BATCH_SCOPE)
def unsafe_key_files(spark, airports):
    return classify_each(spark, airports, {FOLDER + name: f"{HEADER}\nAA,{ANCHORAGE},{ADAK},1,2\n" for name in UNSAFE_NAMES})


@pytest.mark.parametrize("name", UNSAFE_NAMES)
def test_a_file_whose_key_the_load_actions_cannot_carry_is_quarantined_whole(unsafe_key_files, name):
    rows = unsafe_key_files[FOLDER + name]
    assert [(r["status"], r["reason"]) for r in rows] == [("quarantined", rules.UNSAFE_KEY_REASON)]


def test_a_csv_outside_a_date_partition_is_quarantined_whole(spark, airports):
    good = f"{HEADER}\nAA,{ANCHORAGE},{ADAK},1,2\nDL,{ADAK},{ANCHORAGE},3,4\n"
    keys = (
        "daily_flights/flights.csv",
        "daily_flights/2001-01-15/flights.csv",
        "daily_flights/date=2001-02-30/flights.csv",
        "daily_flights/date=2001-01-15/sub/flights.csv",
    )
    for key, rows in classify_each(spark, airports, dict.fromkeys(keys, good)).items():
        assert len(rows) == 2 and {r["status"] for r in rows} == {"quarantined"}, key
        assert {r["reason"] for r in rows} == {"no date partition: the file is not in a date=YYYY-MM-DD/ folder (or the date is not a real day)"}


def test_an_empty_airport_id_is_not_an_integer(spark, airports):
    rows = classify(spark, airports, {DAY: f"{HEADER}\nAA,,{ADAK},1,2\nAA,{ANCHORAGE},,1,2\n"})
    assert sorted(r["reason"] for r in rows) == ["DestAirportID '' is not an integer", "OriginAirportID '' is not an integer"]


def test_a_file_without_the_contract_header_is_quarantined_whole(spark, airports):
    body = f"AA,{ANCHORAGE},{ADAK},1,2\n"
    other, headerless, loose = (f"{FOLDER}{name}.csv" for name in ("other", "headerless", "loose"))
    loose_header = " carrier , originairportid,DestAirportID,depdelay,ArrDelay\r\n"
    by_key = classify_each(spark, airports, {other: "carrier,origin,dest,dep,arr\n" + body, headerless: body, loose: loose_header + body})
    assert reasons(by_key[other]) == {body.strip(): f"the file's header 'carrier,origin,dest,dep,arr' is not {HEADER}"}
    assert reasons(by_key[headerless]) == {body.strip(): f"the file has no header line; expected {HEADER}"}
    assert [r["status"] for r in by_key[loose]] == ["loaded"]


def test_only_csv_objects_are_data(spark, airports):
    rows = classify(spark, airports, {"daily_flights/date=2001-01-15/notes.txt": f"{HEADER}\nAA,{ANCHORAGE},{ADAK},1,2\n"})
    assert rows == []


def test_the_departure_delay_threshold_filters_without_quarantining(spark, airports):
    text = f"{HEADER}\nAA,{ANCHORAGE},{ADAK},61,0\nAA,{ANCHORAGE},{ADAK},60,0\nAA,{ANCHORAGE},{ADAK},,\nAA,0,{ADAK},99,0\n"
    rows = classify(spark, airports, {DAY: text}, threshold=60)
    assert sorted((r["dep_delay_raw"], r["status"]) for r in rows) == [("", "filtered"), ("60", "filtered"), ("61", "loaded"), ("99", "quarantined")]
    summary = transform.summarize(transform.count_statuses(transform.classify(lines_df(spark, {DAY: text}), airports, 60)), files=[DAY])
    assert summary == {
        "files_processed": 1,
        "files_ignored": 0,
        "rows_in": 4,
        "rows_loaded": 1,
        "rows_quarantined": 1,
        "rows_filtered": 2,
        "files": [DAY],
        "files_set_aside": [],
    }
    assert {r["status"] for r in classify(spark, airports, {DAY: text})} == {"loaded", "quarantined"}


CLEAN_FIELD_CASES = [
    (" AA\r", "AA"),
    ('"', '"'),
    ('""', ""),
    ('" "', ""),
    ('"AA', '"AA'),
    ('"Anchorage"', "Anchorage"),
    (' " Adak " ', "Adak"),
    ("\r", ""),
    ('"a"b"', 'a"b'),
    ("x\ry", "xy"),
]
URIS = [
    "s3://bucket-1/daily_flights/date=2001-01-15/f.csv",
    "s3a://bucket-1/daily_flights/date=2001-01-15/f.csv",
    "s3n://b/daily_flights/date=2001-01-15/f.csv",
    "daily_flights/date=2001-01-15/f.csv",
]
KEYS = [
    "daily_flights/date=2001-01-15/flights.csv",
    "daily_flights/date=2001-01-15/vols d'été.csv",
    "__x__/a b+c.csv",
    "daily_flights/" + "deep/" * 30 + "f.csv",
    "é",
    "daily_flights/date=2001-01-15/名前.csv",
    "a;b%c\r\nd.csv",
]


@pytest.fixture(scope=BATCH_SCOPE)
def cleaned(spark):
    return evaluate(spark, rules.clean_field, [raw for raw, _ in CLEAN_FIELD_CASES])


@pytest.mark.parametrize("raw, clean", CLEAN_FIELD_CASES)
def test_clean_field_strips_cr_spaces_and_one_pair_of_quotes(cleaned, raw, clean):
    assert cleaned[raw] == clean


@pytest.fixture(scope=BATCH_SCOPE)
def source_keys(spark):
    return evaluate(spark, rules.source_key, URIS)


@pytest.mark.parametrize("uri", URIS)
def test_the_source_key_comes_from_any_form_of_the_attached_file_name(source_keys, uri):
    assert source_keys[uri] == "daily_flights/date=2001-01-15/f.csv"


@pytest.fixture(scope=BATCH_SCOPE)
def source_id_columns(spark):
    return evaluate(spark, rules.source_id_column, KEYS)


@pytest.mark.parametrize("key", KEYS)
def test_the_source_id_column_equals_source_id(source_id_columns, key):
    assert source_id_columns[key] == rules.source_id(key)


def test_a_reader_naming_files_by_uri_gets_keys_dates_and_ids_per_file(spark, airports):
    import flights_rules as rules

    uri = f"s3://data-bucket/{DAY}"
    lines = spark.createDataFrame([(uri, HEADER), (uri, f"AA,{ANCHORAGE},{ADAK},1,2")], "source_file string, value string")
    [row] = transform.classify(lines, airports, key_of=rules.source_key).collect()
    assert (row["source_file"], row["flight_date"], row["source_id"], row["status"]) == (DAY, date(2001, 1, 15), rules.source_id(DAY), "loaded")


def test_of_two_different_bad_headers_the_reason_names_the_same_one_every_run(spark, airports):
    body = f"AA,{ANCHORAGE},{ADAK},1,2\n"
    rows = classify(spark, airports, {DAY: "carrier,b,c,d,e\n" + body + "Carrier,a,c,d,e\n" + body})
    assert {r["reason"] for r in rows} == {f"the file's header 'Carrier,a,c,d,e' is not {HEADER}"}
