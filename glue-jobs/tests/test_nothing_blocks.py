"""Nothing in one file blocks the pipeline or loads wrong data: flights_ingest.main() on the Glue stand-in, the
warehouse a PostgreSQL made to refuse what Redshift refuses (throwaway_postgres.like_redshift: VARCHAR counts bytes,
a backslash in a literal escapes, keys not enforced)."""

import time

import pytest
from test_glue_job_main import ADAK, ANCHORAGE, BARROW, DAY1, DAY2, GOOD, HEADER, SCHEMA, glue, pg  # noqa: F401

GOOD_ROWS = [("AA", "Anchorage", "Adak Island", "5"), ("UA", "Adak Island", "Barrow", "NULL")]


def test_the_stand_in_warehouse_refuses_what_redshift_refuses(pg):  # noqa: F811
    assert pg.query("SHOW standard_conforming_strings") == [["off"]]
    assert pg.query(r"SELECT 'o\\hare', length('o\\hare')") == [["o\\hare", "6"]]
    row = f"'{{}}', 'A', 'B', 'a', 'b', 'AK', 'AK', 1, 1, DATE '2001-01-15', {ANCHORAGE}, {ADAK}, 'f', now()"
    with pytest.raises(RuntimeError, match="carrier_bytes"):
        pg.psql(f"INSERT INTO {SCHEMA}.daily_flights_processed VALUES ({row.format('Ä' * 9)})")  # 9 characters, 18 bytes
    pg.psql(f"INSERT INTO {SCHEMA}.daily_flights_processed VALUES ({row.format('Ä' * 8)}); TRUNCATE {SCHEMA}.daily_flights_processed")
    # Keys are informational: a repeated airport id is accepted, as Redshift accepts it.
    pg.psql(f"BEGIN; INSERT INTO {SCHEMA}.dim_airport_codes VALUES ({ANCHORAGE}, 'x', 'y', 'z'); ROLLBACK")


def test_a_carrier_wider_than_its_column_in_bytes_is_quarantined_and_every_other_file_loads(glue):  # noqa: F811
    glue.upload(DAY1, f"{HEADER}\nABCDEFGHIJKLMNOPQ,{ANCHORAGE},{ADAK},1,1\n{'Ä' * 9},{ANCHORAGE},{ADAK},1,1\n{'Ä' * 8},{ANCHORAGE},{ADAK},1,1\n")
    glue.upload(DAY2, GOOD)
    report = glue.run()
    assert (report["rows_loaded"], report["rows_quarantined"]) == (3, 2)
    assert glue.table() == {DAY1: [("ÄÄÄÄÄÄÄÄ", "Anchorage", "Adak Island", "1")], DAY2: GOOD_ROWS}
    assert glue.quarantine(DAY1) == [
        "Carrier 'ABCDEFGHIJKLMNOPQ' is 17 bytes; VARCHAR(16) holds 16",
        "Carrier 'ÄÄÄÄÄÄÄÄÄ' is 18 bytes; VARCHAR(16) holds 16",
    ]


def test_delays_beyond_redshifts_integer_are_quarantined_not_wrapped(glue):  # noqa: F811
    glue.upload(DAY1, f"{HEADER}\nAA,{ANCHORAGE},{ADAK},3000000000,1\nAA,{ANCHORAGE},{ADAK},1,4294967301\nAA,{ANCHORAGE},{ADAK},-2147483648,2147483647\n")
    report = glue.run()
    assert (report["rows_loaded"], report["rows_quarantined"]) == (1, 2)
    assert glue.table() == {DAY1: [("AA", "Anchorage", "Adak Island", "-2147483648")]}
    assert glue.quarantine(DAY1) == [
        "ArrDelay '4294967301' is outside INTEGER (-2147483648 to 2147483647)",
        "DepDelay '3000000000' is outside INTEGER (-2147483648 to 2147483647)",
    ]


def test_keys_with_a_backslash_are_replaced_on_reprocess_never_duplicated(glue):  # noqa: F811
    # A backslash escapes in a Redshift literal: each key's DELETE must still name exactly its own rows.
    keys = [f"daily_flights/date=2001-01-15/{name}" for name in ("o\\hare.csv", "o\\'hare.csv", "o'hare\\.csv")]
    for text in (GOOD, f"{HEADER}\nWN,{BARROW},{ANCHORAGE},9,9\n", f"{HEADER}\nWN,{BARROW},{ANCHORAGE},9,9\n"):
        for key in keys:
            glue.upload(key, text)
        glue.run()
    assert glue.table() == {key: [("WN", "Barrow", "Anchorage", "9")] for key in keys}


def test_a_file_emptied_to_zero_bytes_loses_its_rows_and_quarantine_like_a_header_only_file(glue):  # noqa: F811
    glue.upload(DAY1, GOOD + f"DL,{ANCHORAGE},99999,1,1\n")
    glue.upload(DAY2, GOOD)
    glue.run()
    glue.upload(DAY1, "")
    # S3 keeps whole seconds and the next run's window opens a second before this run's start: two seconds on, the
    # emptied file is clearly older than this run.
    time.sleep(2.1)
    report = glue.run()
    assert report["files"] == [DAY1] and report["rows_in"] == 0
    assert glue.table() == {DAY2: GOOD_ROWS}
    assert glue.quarantine(DAY1) == []
    # The next run does not take it again: it was emptied before the previous run started.
    assert glue.run()["files"] == []


def test_the_rules_read_the_column_widths_from_the_fact_tables_ddl_the_job_ships(tmp_path, monkeypatch):
    import flights_rules as rules
    from test_glue_job_main import SQL

    ddl = (SQL / "shared" / rules.FACT_TABLE_SQL).read_text()
    assert rules.varchar_limits(ddl) == {
        "carrier": 16,
        "dep_airport": 512,
        "arr_airport": 512,
        "dep_city": 256,
        "arr_city": 256,
        "dep_state": 64,
        "arr_state": 64,
        "source_file": 1024,
    }
    # In Glue the DDL arrives with --extra-files in the working directory, and that copy is the one read.
    (tmp_path / rules.FACT_TABLE_SQL).write_text(ddl.replace("VARCHAR(16)", "VARCHAR(4)"))
    monkeypatch.chdir(tmp_path)
    rules.fact_limits.cache_clear()
    try:
        assert rules.fact_limits()["carrier"] == 4
    finally:
        rules.fact_limits.cache_clear()


def test_requeue_after_the_dimension_gains_an_airport_moves_the_rows_into_the_table(glue):  # noqa: F811
    """What `npm run requeue` does, end to end: the file copied onto itself (the bookmark sees it modified), then a run."""
    glue.upload(DAY1, f"{HEADER}\nAA,{ANCHORAGE},{ADAK},1,1\nUA,{ANCHORAGE},99999,2,2\nDL,{ADAK},99998,3,3\n")
    glue.run()
    assert glue.quarantine(DAY1) == ["DestAirportID 99998 is not in the airport dimension", "DestAirportID 99999 is not in the airport dimension"]
    glue.pg.psql(f"INSERT INTO {SCHEMA}.dim_airport_codes VALUES (99999, 'Newtown', 'NT', 'Newtown Regional')")
    try:
        time.sleep(1.1)  # S3 keeps whole seconds: the copy must come a second later to be seen as modified
        glue.s3.copy_object(
            Bucket="airline-ingest-test-data",
            Key=DAY1,
            CopySource={"Bucket": "airline-ingest-test-data", "Key": DAY1},
            MetadataDirective="REPLACE",
            Metadata={"requeued": "now"},
        )
        assert glue.run()["files"] == [DAY1]
        assert glue.table() == {DAY1: [("AA", "Anchorage", "Adak Island", "1"), ("UA", "Anchorage", "Newtown", "2")]}
        assert glue.quarantine(DAY1) == ["DestAirportID 99998 is not in the airport dimension"]
    finally:
        glue.pg.psql(f"DELETE FROM {SCHEMA}.dim_airport_codes WHERE airport_id = 99999")
