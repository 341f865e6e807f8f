"""The SQL shared by Redshift and PostgreSQL (sql/shared, sql/load), run on a throw-away PostgreSQL 15."""
from pathlib import Path

import pytest

import flights_load as load
from throwaway_postgres import ThrowawayPostgres
from vega_flights import AIRPORTS_FILE

SQL = Path(__file__).resolve().parents[2] / "sql"
SCHEMA = "airlines"


@pytest.fixture(scope="module")
def pg():
    server = ThrowawayPostgres().start()
    yield server
    server.stop()


def shared(name: str, **values: str) -> str:
    path = next((SQL / "shared").glob(f"{name}_*.sql"))
    return load.render(path.read_text(), {"schema": SCHEMA, **values}, path.name)


def reload_airports(pg) -> None:
    """004-006 in one transaction, with psql's \\copy standing in for the Redshift-only COPY (005)."""
    pg.psql("\n".join([shared("004"), f"\\copy stage_airport_codes FROM '{AIRPORTS_FILE}' WITH (FORMAT csv, HEADER true)", shared("006")]), single_transaction=True)


def test_the_ddl_creates_schema_and_tables_and_can_run_again(pg):
    for _ in range(2):
        pg.psql("\n".join(shared(n) for n in ("001", "002", "003")))
    tables = pg.query(f"SELECT table_name FROM information_schema.tables WHERE table_schema = '{SCHEMA}' ORDER BY 1")
    assert tables == [["daily_flights_processed"], ["dim_airport_codes"]]
    columns = [c for [c] in pg.query(f"SELECT column_name FROM information_schema.columns WHERE table_name = 'daily_flights_processed' ORDER BY ordinal_position")]
    import flights_transform

    assert tuple(columns) == flights_transform.FACT_COLUMNS


def test_reloading_the_real_crlf_airport_file_replaces_the_dimension_without_carriage_returns(pg):
    pg.psql("\n".join(shared(n) for n in ("001", "002", "003")))
    reload_airports(pg)
    reload_airports(pg)
    assert pg.query(f"SELECT count(*), count(DISTINCT airport_id) FROM {SCHEMA}.dim_airport_codes") == [["365", "365"]]
    assert pg.query(f"SELECT count(*) FROM {SCHEMA}.dim_airport_codes WHERE name LIKE '%' || chr(13) || '%' OR name <> trim(name)") == [["0"]]
    assert pg.query(f"SELECT city FROM {SCHEMA}.dim_airport_codes WHERE airport_id = 10299") == [["Anchorage"]]


def stage_and_merge(pg, rows_by_file: dict) -> None:
    """What one Glue run does: stage SQL, COPY (here INSERTs) into the staging table, merge SQL."""
    stage_sql, merge_sql = load.load_sql(SQL / "load", SCHEMA, rows_by_file)
    values = [
        f"('{carrier}', 'A', 'B', 'a', 'b', 'AK', 'AK', {dep}, NULL, DATE '2001-01-15', 10299, 10165, {load.string_literal(f)}, TIMESTAMP '2026-01-01 00:00:00')"
        for f, rows in rows_by_file.items()
        for carrier, dep in rows
    ]
    insert = f"INSERT INTO {SCHEMA}.{load.STAGE_TABLE} VALUES {', '.join(values)};" if values else ""
    pg.psql("\n".join([stage_sql, insert, merge_sql]))


def counts(pg) -> dict:
    return {f: int(n) for f, n in pg.query(f"SELECT source_file, count(*) FROM {SCHEMA}.daily_flights_processed GROUP BY 1 ORDER BY 1")}


def test_the_load_replaces_each_source_files_rows_so_reruns_leave_no_duplicates_and_nothing_stale(pg):
    pg.psql("\n".join(shared(n) for n in ("001", "002", "003")) + f"\nTRUNCATE {SCHEMA}.daily_flights_processed;")
    a, b, c = (f"daily_flights/date=2001-01-1{i}/f.csv" for i in (1, 2, 3))
    stage_and_merge(pg, {a: [("AA", 1), ("UA", 2)], b: [("DL", 3)]})
    stage_and_merge(pg, {a: [("AA", 1), ("UA", 2)], b: [("DL", 3)]})  # a retried run: same files again
    assert counts(pg) == {a: 2, b: 1}
    stage_and_merge(pg, {a: [("AA", 9)], b: [], c: [("WN", 4)]})  # a modified, b now has no good row, c new
    assert counts(pg) == {a: 1, c: 1}
    assert pg.query(f"SELECT dep_delay FROM {SCHEMA}.daily_flights_processed WHERE source_file = '{a}'") == [["9"]]
    assert pg.query(f"SELECT count(*) FROM information_schema.tables WHERE table_name = '{load.STAGE_TABLE}'") == [["0"]]


def test_a_source_file_name_with_a_quote_is_escaped(pg):
    odd = "daily_flights/date=2001-01-14/o'hare.csv"
    stage_and_merge(pg, {odd: [("AA", 1)]})
    assert counts(pg)[odd] == 1


def test_rendering_refuses_unknown_placeholders_and_unsafe_identifiers():
    with pytest.raises(KeyError, match="x.sql: unknown placeholder {{table}}"):
        load.render("SELECT * FROM {{table}}", {"schema": "s"}, "x.sql")
    with pytest.raises(ValueError, match="not a safe lower-case SQL identifier"):
        load.load_sql(SQL / "load", "airlines; DROP TABLE x", ["f.csv"])
