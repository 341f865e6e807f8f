"""The SQL shared by Redshift and PostgreSQL (sql/shared, sql/load), run on a throw-away PostgreSQL 15; the load's
actions run the way the Redshift connector runs them (glue_standin/emulation.py: split on ';', one JDBC
connection, autocommit off, one COMMIT)."""

import csv
import re
import sys
from pathlib import Path

import flights_load as load
import pytest
from throwaway_postgres import ThrowawayPostgres
from vega_flights import AIRPORTS_FILE

sys.path.insert(0, str(Path(__file__).resolve().parent / "glue_standin"))
import emulation  # noqa: E402

SQL = Path(__file__).resolve().parents[2] / "sql"
SCHEMA = "airlines"


@pytest.fixture(scope="module")
def pg():
    server = ThrowawayPostgres(tcp=True).start()
    yield server
    server.stop()


def shared(name: str, **values: str) -> str:
    path = next((SQL / "shared").glob(f"{name}_*.sql"))
    return load.render(path.read_text(), {"schema": SCHEMA, **values}, path.name)


def reload_airports(pg) -> None:
    """004-006 in one transaction, with psql's \\copy standing in for the Redshift-only COPY (005)."""
    pg.psql(
        "\n".join([shared("004"), f"\\copy stage_airport_codes FROM '{AIRPORTS_FILE}' WITH (FORMAT csv, HEADER true)", shared("006")]), single_transaction=True
    )


def test_the_ddl_creates_schema_and_tables_and_can_run_again(pg):
    for _ in range(2):
        pg.psql("\n".join(shared(n) for n in ("001", "002", "003")))
    tables = pg.query(f"SELECT table_name FROM information_schema.tables WHERE table_schema = '{SCHEMA}' ORDER BY 1")
    assert tables == [["daily_flights_processed"], ["dim_airport_codes"]]
    columns = [
        c for [c] in pg.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'daily_flights_processed' ORDER BY ordinal_position")
    ]
    import flights_transform

    assert tuple(columns) == flights_transform.FACT_COLUMNS


def test_reloading_the_real_crlf_airport_file_replaces_the_dimension_without_carriage_returns(pg):
    pg.psql("\n".join(shared(n) for n in ("001", "002", "003")))
    reload_airports(pg)
    reload_airports(pg)
    assert pg.query(f"SELECT count(*), count(DISTINCT airport_id) FROM {SCHEMA}.dim_airport_codes") == [["365", "365"]]
    assert pg.query(f"SELECT count(*) FROM {SCHEMA}.dim_airport_codes WHERE name LIKE '%' || chr(13) || '%' OR name <> trim(name)") == [["0"]]
    assert pg.query(f"SELECT city FROM {SCHEMA}.dim_airport_codes WHERE airport_id = 10299") == [["Anchorage"]]


def stage_and_merge(spark, pg, rows_by_file: dict) -> None:
    """What one Glue run does through the connector: preactions, COPY (here INSERTs) into the staging table,
    postactions, on one connection; a run with no row at all gets the actions alone (the job's JDBC path)."""
    from datetime import date, datetime

    pre, post = load.load_sql(SQL / "load", SCHEMA, rows_by_file)
    rows = [
        (c, "A", "B", "a", "b", "AK", "AK", dep, None, date(2001, 1, 15), 10299, 10165, f, datetime(2026, 1, 1))
        for f, rs in rows_by_file.items()
        for c, dep in rs
    ]
    import flights_transform

    schema = (
        "carrier string, dep_airport string, arr_airport string, dep_city string, arr_city string, dep_state string, arr_state string, "
        "dep_delay int, arr_delay int, flight_date date, dep_airport_id bigint, arr_airport_id bigint, source_file string, loaded_at timestamp"
    )
    df = spark.createDataFrame(rows, schema).select(*flights_transform.FACT_COLUMNS) if rows else None
    emulation.WORLD = emulation.GlueWorld(
        bucket="b",
        jdbc_host_url=f"jdbc:postgresql://127.0.0.1:{pg.port}",
        database="postgres",
        user="postgres",
        password="",
        connection_name="c",
        catalog_tables={},
    )
    emulation.ConnectorStandin(spark).write(df, f"{SCHEMA}.{load.STAGE_TABLE}", pre, post)


def counts(pg) -> dict:
    return {f: int(n) for f, n in pg.query(f"SELECT source_file, count(*) FROM {SCHEMA}.daily_flights_processed GROUP BY 1 ORDER BY 1")}


def test_the_load_replaces_each_source_files_rows_so_reruns_leave_no_duplicates_and_nothing_stale(spark, pg):
    pg.psql("\n".join(shared(n) for n in ("001", "002", "003")) + f"\nTRUNCATE {SCHEMA}.daily_flights_processed;")
    a, b, c = (f"daily_flights/date=2001-01-1{i}/f.csv" for i in (1, 2, 3))
    stage_and_merge(spark, pg, {a: [("AA", 1), ("UA", 2)], b: [("DL", 3)]})  # a first load
    stage_and_merge(spark, pg, {a: [("AA", 1), ("UA", 2)], b: [("DL", 3)]})  # a retried run: same files again
    assert counts(pg) == {a: 2, b: 1}
    stage_and_merge(spark, pg, {a: [("AA", 9)], b: [], c: [("WN", 4)]})  # a modified, b now has no good row, c new
    assert counts(pg) == {a: 1, c: 1}
    assert pg.query(f"SELECT dep_delay FROM {SCHEMA}.daily_flights_processed WHERE source_file = '{a}'") == [["9"]]
    stage_and_merge(spark, pg, {a: []})  # a modified file whose rows are now all bad: no row to write at all
    assert counts(pg) == {c: 1}
    assert pg.query(f"SELECT count(*) FROM information_schema.tables WHERE table_name = '{load.STAGE_TABLE}'") == [["0"]]


def test_a_failure_in_the_middle_of_the_actions_rolls_everything_back(spark, pg):
    pg.psql("\n".join(shared(n) for n in ("001", "002", "003")) + f"\nTRUNCATE {SCHEMA}.daily_flights_processed;")
    a = "daily_flights/date=2001-01-11/f.csv"
    stage_and_merge(spark, pg, {a: [("AA", 1), ("UA", 2)]})
    # The INSERT after the DELETE fails: without one transaction around all pieces, file a would now be empty.
    pg.psql(f"""CREATE FUNCTION {SCHEMA}.refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql;
        CREATE TRIGGER refuse BEFORE INSERT ON {SCHEMA}.daily_flights_processed FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.refuse();""")
    try:
        with pytest.raises(Exception, match="disk full"):
            stage_and_merge(spark, pg, {a: [("WN", 7)]})
    finally:
        pg.psql(f"DROP TRIGGER refuse ON {SCHEMA}.daily_flights_processed; DROP FUNCTION {SCHEMA}.refuse();")
    assert counts(pg) == {a: 2}
    assert pg.query(f"SELECT count(*) FROM information_schema.tables WHERE table_name = '{load.STAGE_TABLE}'") == [["0"]]


def test_a_source_file_name_with_a_quote_is_escaped(spark, pg):
    odd = "daily_flights/date=2001-01-14/o'hare.csv"
    stage_and_merge(spark, pg, {odd: [("AA", 1)]})
    assert counts(pg)[odd] == 1


def test_the_actions_are_what_the_connector_can_run_one_line_no_transaction_control_no_split_inside_a_statement():
    files = ["daily_flights/date=2001-01-14/o'hare--x.csv", "daily_flights/date=2001-01-15/f.csv"]
    for actions in load.load_sql(SQL / "load", SCHEMA, files):
        assert "\n" not in actions and "\r" not in actions and "%" not in actions
        pieces = emulation.connector_pieces(actions, "t")
        assert pieces and all(p.split()[0] in {"DROP", "CREATE", "DELETE", "INSERT"} for p in pieces)
        for piece in pieces:
            outside_literals = re.sub(r"'(?:[^']|'')*'", "''", piece)
            assert piece.count("'") % 2 == 0, f"a ';' split a literal: {piece}"
            assert not re.search(r"\b(BEGIN|COMMIT|ROLLBACK|END)\b", outside_literals, re.IGNORECASE)
            assert "--" not in outside_literals and "/*" not in outside_literals


@pytest.mark.parametrize(
    "sql, problem",
    [
        ("SELECT ';' AS x;\n", "inside the statement"),
        ("BEGIN;\nDELETE FROM t;\n", "controls the transaction"),
        ("DELETE FROM t; COMMIT;\n", "inside the statement"),
        ("DELETE FROM t -- old rows\nWHERE x = 1;\n", "comment"),
        ("SELECT 5 % 2;\n", "'%'"),
    ],
)
def test_a_sql_file_the_connector_would_mangle_is_refused_naming_the_file(sql, problem):
    with pytest.raises(load.ActionSqlError, match=f"merge.sql: statement .*{re.escape(problem)}"):
        load.one_line_actions(sql, "merge.sql")


@pytest.mark.parametrize("key", ["daily_flights/date=2001-01-15/a;b.csv", "daily_flights/date=2001-01-15/100%.csv", "daily_flights/date=2001-01-15/a\nb.csv"])
def test_a_key_the_actions_cannot_carry_is_refused_before_any_sql_is_rendered(key):
    with pytest.raises(ValueError, match="cannot carry"):
        load.load_sql(SQL / "load", SCHEMA, [key, "daily_flights/date=2001-01-15/f.csv"])


def test_rendering_refuses_unknown_placeholders_and_unsafe_identifiers():
    with pytest.raises(KeyError, match="x.sql: unknown placeholder {{table}}"):
        load.render("SELECT * FROM {{table}}", {"schema": "s"}, "x.sql")
    with pytest.raises(ValueError, match="not a safe lower-case SQL identifier"):
        load.load_sql(SQL / "load", "airlines; DROP TABLE x", ["f.csv"])


def test_the_local_runs_csv_loads_into_postgresql_with_copy_csv_quotes_and_spaces_kept(spark, pg, tmp_path, capsys):
    """The local run's --out files are what a COPY ... CSV takes: a quote inside a value doubled (not
    backslash-escaped; a backslash is an ordinary character), and the raw line of a quarantined row kept whole, spaces
    at its ends too."""
    import local_run
    import vega_flights

    lines = ['A"A,10299,10165,1,2', "  AA,abc,10165,1,2 ", 'AA,"10"299,10165,3,4', 'AA,a\\"b,10165,1,2\\']
    data, out = tmp_path / "data", tmp_path / "out"
    vega_flights.copy_airports(data)
    vega_flights.write_days(data, {"2001-01-16": lines})
    local_run.main(["--data", str(data), "--state", str(tmp_path / "state"), "--out", str(out)])
    assert '"rows_in": 4' in capsys.readouterr().out
    pg.psql("\n".join(shared(n) for n in ("001", "002", "003")) + f"\nTRUNCATE {SCHEMA}.daily_flights_processed;")
    pg.psql(
        f"""CREATE TEMP TABLE quarantine (source_file text, line text, reason text, flight_date date, quarantined_at timestamp);
        \\copy {SCHEMA}.daily_flights_processed FROM '{out / local_run.TABLE_FILE}' WITH (FORMAT csv, HEADER true)
        \\copy quarantine FROM '{out / local_run.QUARANTINE_FILE}' WITH (FORMAT csv, HEADER true)
        \\copy (SELECT line, reason FROM quarantine ORDER BY line COLLATE "C") TO '{tmp_path / "lines.csv"}' WITH (FORMAT csv)"""
    )
    assert pg.query(f"SELECT carrier, dep_airport_id, flight_date FROM {SCHEMA}.daily_flights_processed") == [['A"A', "10299", "2001-01-16"]]
    with (tmp_path / "lines.csv").open(newline="") as f:
        assert list(csv.reader(f)) == [
            ["  AA,abc,10165,1,2 ", "OriginAirportID 'abc' is not an integer"],
            ['AA,"10"299,10165,3,4', "OriginAirportID '\"10\"299' is not an integer"],
            ['AA,a\\"b,10165,1,2\\', "OriginAirportID 'a\\\"b' is not an integer"],
        ]
