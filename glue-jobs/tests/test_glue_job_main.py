"""flights_ingest.main() itself, on local Spark, against the Glue stand-in (glue_standin/emulation.py: Glue's
bookmarked reader, catalog, S3 writer and the Redshift connector emulated as documented) with moto S3 and a
throw-away PostgreSQL behind the connection, as the job's own database user."""

import csv
import hashlib
import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "glue_standin"))

import emulation  # noqa: E402
import flights_ingest  # noqa: E402
import flights_load as load  # noqa: E402
import flights_rules as rules  # noqa: E402
from throwaway_postgres import ThrowawayPostgres  # noqa: E402
from vega_flights import AIRPORTS_FILE  # noqa: E402

SQL = Path(__file__).resolve().parents[2] / "sql"
SCHEMA, ETL_USER, BUCKET = "airlines", "glue_etl", "airline-ingest-test-data"
HEADER = "Carrier,OriginAirportID,DestAirportID,DepDelay,ArrDelay"
ANCHORAGE, ADAK, BARROW = 10299, 10165, 10754
DAY1, DAY2 = "daily_flights/date=2001-01-15/flights.csv", "daily_flights/date=2001-01-16/flights.csv"
FAIL_TRIGGER = f"""CREATE OR REPLACE FUNCTION {SCHEMA}.refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql;
CREATE TRIGGER refuse BEFORE INSERT ON {SCHEMA}.daily_flights_processed FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.refuse();"""


def sql_file(path: Path, **values: str) -> str:
    return load.render(path.read_text(), {"schema": SCHEMA, "etl_user": ETL_USER, **values}, path.name)


@pytest.fixture(scope="module")
def pg():
    server = ThrowawayPostgres(tcp=True).start()
    shared = sorted((SQL / "shared").glob("*.sql"))
    password_md5 = "md5" + hashlib.md5(f"secret{ETL_USER}".encode()).hexdigest()
    # The warehouse as seed:warehouse leaves it: user, DDL, the real airport file (\copy for the Redshift COPY), grants.
    server.psql(sql_file(SQL / "users" / "create_etl_user.sql", password_md5=password_md5))
    server.psql("\n".join(sql_file(p) for p in shared if p.name < "004"))
    server.like_redshift(SCHEMA, SQL / "shared")
    body = [sql_file(p) for p in shared if "004" <= p.name < "007"]
    server.psql("\n".join([body[0], f"\\copy stage_airport_codes FROM '{AIRPORTS_FILE}' WITH (FORMAT csv, HEADER true)", *body[1:]]), single_transaction=True)
    server.psql(sql_file(next((SQL / "shared").glob("007_*.sql"))))
    yield server
    server.stop()


@pytest.fixture()
def glue(spark, pg, monkeypatch):
    """A fresh bucket (moto), an empty fact table and new bookmarks; --extra-files (the load SQL) in the working dir."""
    from moto import mock_aws

    for k, v in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(SQL / "load")
    pg.psql(f"TRUNCATE {SCHEMA}.daily_flights_processed; DROP TRIGGER IF EXISTS refuse ON {SCHEMA}.daily_flights_processed;")
    with mock_aws():
        import boto3

        boto3.client("s3").create_bucket(Bucket=BUCKET)
        emulation.WORLD = emulation.GlueWorld(
            bucket=BUCKET,
            jdbc_host_url=f"jdbc:postgresql://127.0.0.1:{pg.port}",
            database="postgres",
            user=ETL_USER,
            password="secret",
            connection_name="airline-ingest-test-catalog-redshift",
            catalog_tables={f"postgres_{SCHEMA}_dim_airport_codes": f"{SCHEMA}.dim_airport_codes"},
        )
        yield Job(boto3.client("s3"), pg, monkeypatch)


class Job:
    def __init__(self, s3, pg, monkeypatch):
        self.s3, self.pg, self.monkeypatch, self.runs = s3, pg, monkeypatch, 0

    def upload(self, key: str, text: str) -> None:
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=text.encode())

    def run(self, run_date: str | None = None) -> dict:
        """Runs the job (with ``--run_date`` when given, as the state machine does) and returns its report."""
        self.runs += 1
        args = {
            "JOB_NAME": "flights-ingest",
            "JOB_RUN_ID": f"jr_{self.runs:04d}",
            "TempDir": f"s3://{BUCKET}/glue/temp/",
            "data_bucket": BUCKET,
            "daily_flights_prefix": "daily_flights/",
            "quarantine_prefix": "quarantine/",
            "run_reports_prefix": "reports/runs/",
            "set_aside_prefix": "reports/set-aside/",
            "catalog_database": "airline_ingest_test_catalog_airlines",
            "airport_table": f"postgres_{SCHEMA}_dim_airport_codes",
            "redshift_connection": emulation.WORLD.connection_name,
            "redshift_database": "postgres",
            "redshift_schema": SCHEMA,
            "redshift_copy_role_arn": "arn:aws:iam::000000000000:role/copy",
            "dep_delay_threshold": "off",
        }
        passed = {**args, "run_date": run_date} if run_date else args
        self.monkeypatch.setattr(sys, "argv", ["flights_ingest.py", *[x for k, v in passed.items() for x in (f"--{k}", v)]])
        flights_ingest.main()
        return self.report(args["JOB_RUN_ID"], run_date or f"{datetime.now(UTC):%Y-%m-%d}")

    def report(self, run_id: str, day: str) -> dict:
        return json.loads(self.s3.get_object(Bucket=BUCKET, Key=f"reports/runs/run_date={day}/{run_id}.json")["Body"].read())

    def table(self) -> dict:
        rows = self.pg.query(
            f"SELECT source_file, carrier, dep_city, arr_city, coalesce(dep_delay::text, 'NULL') FROM {SCHEMA}.daily_flights_processed ORDER BY 1, 2, 5"
        )
        out: dict = {}
        for f, *rest in rows:
            out.setdefault(f, []).append(tuple(rest))
        return out

    def quarantine(self, key: str, day: str | None = None) -> list:
        """The reasons quarantined for one source file, sorted (under the run day's partition: today's unless given)."""
        folder = f"quarantine/run_date={day or f'{datetime.now(UTC):%Y-%m-%d}'}/source_id={rules.source_id(key)}/"
        listing = self.s3.list_objects_v2(Bucket=BUCKET, Prefix=folder).get("Contents", [])
        texts = [self.s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read().decode() for o in listing]
        rows = [r for t in texts for r in csv.DictReader(io.StringIO(t))]
        assert all(r["source_file"] == key for r in rows)
        return sorted(r["reason"] for r in rows)


GOOD = f"{HEADER}\r\nAA,{ANCHORAGE},{ADAK},5,7\r\nUA,{ADAK},{BARROW},,\r\n"


def test_a_first_load_writes_the_good_rows_with_both_joins_the_quarantine_and_the_report(glue, monkeypatch):
    # Through the pass the local run takes too (spied on): only the sink differs.
    import flights_transform as transform

    sinks, run_pass = [], transform.run_pass
    monkeypatch.setattr(
        transform, "run_pass", lambda lines, airports, files, sink, **kw: sinks.append(type(sink)) or run_pass(lines, airports, files, sink, **kw)
    )
    glue.upload(DAY1, GOOD + f"DL,{ANCHORAGE},99999,1,1\r\n")
    # As the state machine runs it: --run_date partitions the quarantine and the report (read from that day).
    report = glue.run(run_date="2001-02-03")
    assert sinks == [flights_ingest.GlueSink]
    assert glue.table() == {DAY1: [("AA", "Anchorage", "Adak Island", "5"), ("UA", "Adak Island", "Barrow", "NULL")]}
    assert report == {
        "files_processed": 1,
        "files_ignored": 0,
        "rows_in": 3,
        "rows_loaded": 2,
        "rows_quarantined": 1,
        "rows_filtered": 0,
        "files": [DAY1],
        "files_set_aside": [],
    }
    assert glue.quarantine(DAY1, day="2001-02-03") == ["DestAirportID 99999 is not in the airport dimension"]
    # The connector ran the job's actions as separate pieces on one connection; no stage table is left.
    assert [s.split()[0] for s in emulation.WORLD.connector_writes[-1]] == ["CREATE", "DROP", "CREATE", "INSERT", "DELETE", "INSERT", "DROP"]
    assert glue.pg.query("SELECT count(*) FROM information_schema.tables WHERE table_name = 'stage_daily_flights'") == [["0"]]


def test_a_run_date_that_is_not_a_day_stops_the_run_naming_it(glue):
    with pytest.raises(ValueError, match="job argument --run_date: value '2001-2-3' is not a day"):
        glue.run(run_date="2001-2-3")


def test_a_run_with_nothing_new_succeeds_with_a_zero_report_though_glue_returns_a_frame_without_columns(glue):
    glue.upload(DAY1, GOOD)
    glue.run()
    writes = len(emulation.WORLD.connector_writes)
    assert glue.run() == {
        "files_processed": 0,
        "files_ignored": 0,
        "rows_in": 0,
        "rows_loaded": 0,
        "rows_quarantined": 0,
        "rows_filtered": 0,
        "files": [],
        "files_set_aside": [],
    }
    assert len(emulation.WORLD.connector_writes) == writes
    assert glue.table() == {DAY1: [("AA", "Anchorage", "Adak Island", "5"), ("UA", "Adak Island", "Barrow", "NULL")]}


def test_a_failure_inside_the_actions_keeps_the_old_rows_and_the_bookmark_so_the_retry_loads_once(glue):
    glue.upload(DAY1, GOOD)
    glue.run()
    glue.upload(DAY1, f"{HEADER}\nWN,{BARROW},{ANCHORAGE},9,9\n")
    glue.pg.psql(FAIL_TRIGGER)
    with pytest.raises(Exception, match="disk full"):
        glue.run()
    assert glue.table() == {DAY1: [("AA", "Anchorage", "Adak Island", "5"), ("UA", "Adak Island", "Barrow", "NULL")]}
    # No file caused it: nothing is set aside (flights_set_aside), and the run kept its own error.
    assert "Contents" not in glue.s3.list_objects_v2(Bucket=BUCKET, Prefix="reports/set-aside/")
    glue.pg.psql(f"DROP TRIGGER refuse ON {SCHEMA}.daily_flights_processed;")
    assert glue.run()["files"] == [DAY1]  # the bookmark did not move: the retry reads the modified file again
    assert glue.table() == {DAY1: [("WN", "Barrow", "Anchorage", "9")]}


def test_a_modified_file_replaces_its_rows_and_quarantine_and_leaves_other_files_alone(glue):
    glue.upload(DAY1, GOOD + "AA,x,1,1,1\n")
    glue.upload(DAY2, GOOD)
    glue.run()
    glue.upload(DAY1, f"{HEADER}\nWN,{BARROW},{ANCHORAGE},9,9\n")
    assert glue.run()["files"] == [DAY1]
    assert glue.table()[DAY1] == [("WN", "Barrow", "Anchorage", "9")]
    assert len(glue.table()[DAY2]) == 2
    assert glue.quarantine(DAY1) == []


def test_a_reprocessed_file_loses_the_quarantine_an_earlier_days_run_wrote_and_others_keep_theirs(glue):
    glue.upload(DAY1, GOOD + "AA,x,1,1,1\n")
    glue.upload(DAY2, GOOD + "AA,y,1,1,1\n")
    glue.run()
    # Both files' quarantine as if a run of an earlier day had written it.
    today = f"quarantine/run_date={datetime.now(UTC):%Y-%m-%d}/"
    for o in glue.s3.list_objects_v2(Bucket=BUCKET, Prefix=today)["Contents"]:
        earlier = o["Key"].replace(today, "quarantine/run_date=2001-02-03/")
        glue.s3.copy_object(Bucket=BUCKET, Key=earlier, CopySource={"Bucket": BUCKET, "Key": o["Key"]})
        glue.s3.delete_object(Bucket=BUCKET, Key=o["Key"])
    glue.upload(DAY1, GOOD)
    assert glue.run()["files"] == [DAY1]
    left = [o["Key"] for o in glue.s3.list_objects_v2(Bucket=BUCKET, Prefix="quarantine/")["Contents"]]
    assert left == [f"quarantine/run_date=2001-02-03/source_id={rules.source_id(DAY2)}/part-00000.csv"]


def test_a_file_now_all_bad_loses_its_stale_rows_through_the_connections_jdbc_without_an_empty_frame(glue):
    glue.upload(DAY1, GOOD)
    glue.upload(DAY2, GOOD)
    glue.run()
    writes = len(emulation.WORLD.connector_writes)
    glue.upload(DAY1, f"{HEADER}\nAA,{ANCHORAGE},{ADAK},12.5,0\n,{ANCHORAGE},{ADAK},1,1\n")
    report = glue.run()
    assert (report["rows_loaded"], report["rows_quarantined"]) == (0, 2)
    assert DAY1 not in glue.table() and len(glue.table()[DAY2]) == 2
    assert len(emulation.WORLD.connector_writes) == writes and emulation.WORLD.jdbc_conf_reads == 1
    assert glue.quarantine(DAY1) == ["Carrier is empty", "DepDelay '12.5' is not an integer"]


@pytest.mark.parametrize("form", [lambda b, k: f"s3a://{b}/{k}", lambda b, k: k], ids=["s3a-uri", "bare-key"])
def test_the_source_key_is_the_same_whatever_form_glue_attaches_the_file_name_in(glue, form):
    emulation.WORLD.uri_form = form
    glue.upload(DAY1, GOOD)
    assert glue.run()["files"] == [DAY1]
    assert list(glue.table()) == [DAY1]


def test_a_key_the_actions_cannot_carry_is_quarantined_with_the_reason_and_the_others_load(glue):
    odd = "daily_flights/date=2001-01-15/a;b%c.csv"
    glue.upload(odd, GOOD)
    glue.upload(DAY2, GOOD)
    report = glue.run()
    assert (report["files_processed"], report["rows_loaded"], report["rows_quarantined"]) == (2, 2, 2)
    assert list(glue.table()) == [DAY2]
    assert glue.quarantine(odd) == [rules.UNSAFE_KEY_REASON] * 2


def test_rows_without_the_attached_file_column_stop_the_run_naming_the_option(glue, monkeypatch):
    real = emulation._Reader.from_options

    def without_column(self, connection_type, connection_options, format, format_options, transformation_ctx):  # noqa: A002
        return real(self, connection_type, connection_options, format, {**format_options, "attachFilename": None}, transformation_ctx)

    monkeypatch.setattr(emulation._Reader, "from_options", without_column)
    glue.upload(DAY1, GOOD)
    with pytest.raises(RuntimeError, match="format option attachFilename='source_uri'"):
        glue.run()
