"""EMULATION of what flights_ingest.main() uses from AWS Glue, for tests on local Spark. Not AWS code.

Each behaviour and where it comes from:
- getResolvedOptions: `--name value` pairs of argv; a missing name is an error (Glue's docs).
- The bookmarked S3 reader (create_dynamic_frame.from_options with a transformation_ctx): returns only objects whose
  last-modified time differs from the one the last job.commit() recorded for that key (bookmarks track objects by
  last-modified time; a run that fails before commit records nothing, so its retry reads the same objects). moto
  reports last-modified to the second, so the ETag is compared too: a re-upload within a second still counts.
  CSV, no header, a separator and quote that never occur: one column `col0` per physical line (split on \\n, \\r\\n
  or \\r, like Hadoop's line reader), empty lines skipped like Spark's CSV reader. The format option attachFilename
  names a column holding the object's URI (`s3://bucket/key` by default; the form is undocumented, so tests also try
  others). With no new object the frame has NO columns at all, as Glue users report. The connection option
  exclusions (a JSON list of Unix-style globs) leaves out the objects a pattern matches; against which form of the
  path Glue matches is undocumented, so `exclusion_form` says (tests try each). Globs as Java's: `**` crosses `/`,
  `*` and `?` do not, `\\` escapes, `{a,b}` alternates. A read of an object S3 refuses (an archived storage class,
  denied access) fails the read, as the docs say Glue's does ("The operation is not valid for the object's storage
  class").
- from_catalog of the Redshift dimension: the JDBC crawler's table `<database>_<schema>_<table>`, read over JDBC.
- The S3 CSV writer (write_dynamic_frame.from_options): one object per partitionKeys value, with a header line.
- The Redshift writer (write_dynamic_frame.from_jdbc_conf) = the open-source spark-redshift connector in append mode
  (RedshiftWriter): one JDBC connection, autocommit off; CREATE TABLE IF NOT EXISTS dbtable from the frame's schema;
  preactions: trim, split on ';' (Java drops trailing empty pieces), a piece containing %s formatted with dbtable,
  each run; COPY of the rows (here INSERTs on the same connection), skipped for an empty frame; postactions the same
  way; one COMMIT, or ROLLBACK on any error. AWS: actions must not contain newlines. Whether Glue hands an empty
  frame to the connector is not documented: this stand-in refuses one, so a job that relies on it fails here.
- extract_jdbc_conf: host-and-port `url`, `user`, `password`, `vendor` of the connection.
The database behind the connection is a throw-away PostgreSQL (real JDBC driver, real transactions).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import boto3
from globs import glob_regex
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

WORLD: GlueWorld = None  # type: ignore[assignment]  # set by the test before main() runs


@dataclass
class GlueWorld:
    """What exists around one emulated Glue job: the bucket (moto), the database, the catalog, the bookmarks."""

    bucket: str
    jdbc_host_url: str  # jdbc:postgresql://127.0.0.1:PORT (no database, like extract_jdbc_conf's url)
    database: str
    user: str
    password: str
    connection_name: str
    catalog_tables: dict  # catalog table name -> schema.table in the database
    uri_form: Callable[[str, str], str] = lambda bucket, key: f"s3://{bucket}/{key}"
    exclusion_form: Callable[[str, str, str], str] = lambda bucket, key, read_prefix: f"s3://{bucket}/{key}"
    committed: dict = field(default_factory=dict)
    pending: dict = field(default_factory=dict)
    connector_writes: list = field(default_factory=list)
    jdbc_conf_reads: int = 0

    def jdbc_connection(self, spark: SparkSession):
        props = spark.sparkContext._jvm.java.util.Properties()
        props.setProperty("user", self.user)
        props.setProperty("password", self.password)
        return spark.sparkContext._jvm.org.postgresql.Driver().connect(f"{self.jdbc_host_url}/{self.database}", props)


def get_resolved_options(argv: list, names: list) -> dict:
    values = {argv[i][2:]: argv[i + 1] for i in range(len(argv) - 1) if argv[i].startswith("--")}
    missing = [n for n in names if n not in values]
    if missing:
        raise RuntimeError(f"getResolvedOptions: missing argument(s) {', '.join('--' + m for m in missing)}")
    return {n: values[n] for n in names}


class DynamicFrameStandin:
    def __init__(self, df: DataFrame):
        self._df = df

    @classmethod
    def fromDF(cls, df: DataFrame, glue_ctx, name: str) -> DynamicFrameStandin:  # noqa: N802 (Glue's name)
        return cls(df)

    def toDF(self) -> DataFrame:  # noqa: N802
        return self._df


class JobStandin:
    def __init__(self, glue):
        self.glue = glue

    def init(self, name: str, args: dict) -> None:
        WORLD.pending = {}

    def commit(self) -> None:
        for ctx, objects in WORLD.pending.items():
            WORLD.committed.setdefault(ctx, {}).update(objects)
        WORLD.pending = {}


class GlueContextStandin:
    def __init__(self, sc):
        self.spark_session = SparkSession.builder.getOrCreate()
        self.create_dynamic_frame = _Reader(self.spark_session)
        self.write_dynamic_frame = _Writer(self.spark_session)

    def get_logger(self):
        return logging.getLogger("glue-standin")

    def extract_jdbc_conf(self, connection_name: str) -> dict:
        assert connection_name == WORLD.connection_name, f"unknown Glue connection {connection_name!r}"
        WORLD.jdbc_conf_reads += 1
        return {"url": WORLD.jdbc_host_url, "user": WORLD.user, "password": WORLD.password, "vendor": "postgresql"}


class _Reader:
    def __init__(self, spark: SparkSession):
        self.spark = spark

    def from_options(self, connection_type, connection_options, format, format_options, transformation_ctx):  # noqa: A002
        assert connection_type == "s3" and format == "csv" and transformation_ctx
        assert format_options.get("withHeader") is False, "the job reads raw lines: withHeader must be False"
        assert "attachFilename" not in connection_options, "attachFilename is a format option, not a connection option"
        column = format_options.get("attachFilename")
        s3 = boto3.client("s3")
        seen = WORLD.committed.get(transformation_ctx, {})
        rows, read = [], {}
        excluded = [glob_regex(p) for p in json.loads(connection_options.get("exclusions", "[]"))]
        for path in connection_options["paths"]:
            bucket, prefix = re.match(r"^s3://([^/]+)/(.*)$", path).groups()
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    version = (obj["LastModified"], obj["ETag"])
                    target = WORLD.exclusion_form(bucket, obj["Key"], prefix)
                    if seen.get(obj["Key"]) == version or any(x.fullmatch(target) for x in excluded):
                        continue
                    read[obj["Key"]] = version
                    text = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read().decode("utf-8")
                    uri = WORLD.uri_form(bucket, obj["Key"])
                    rows += [(line, uri) for line in re.split(r"\r\n|\n|\r", text) if line != ""]
        WORLD.pending[transformation_ctx] = read
        if not rows:
            return DynamicFrameStandin(self.spark.createDataFrame([], T.StructType([])))
        fields = [T.StructField("col0", T.StringType())] + ([T.StructField(column, T.StringType())] if column else [])
        return DynamicFrameStandin(self.spark.createDataFrame([r[: len(fields)] for r in rows], T.StructType(fields)))

    def from_catalog(self, database, table_name, redshift_tmp_dir, additional_options):
        assert table_name in WORLD.catalog_tables, f"no catalog table {table_name!r} (has {sorted(WORLD.catalog_tables)})"
        df = (
            self.spark.read.format("jdbc")
            .option("url", f"{WORLD.jdbc_host_url}/{WORLD.database}")
            .option("driver", "org.postgresql.Driver")
            .option("dbtable", WORLD.catalog_tables[table_name])
            .option("user", WORLD.user)
            .option("password", WORLD.password)
            .load()
        )
        return DynamicFrameStandin(df)


SQL_TYPES = {T.StringType: "VARCHAR(1024)", T.IntegerType: "INTEGER", T.LongType: "BIGINT", T.DateType: "DATE", T.TimestampType: "TIMESTAMP"}


def _literal(value) -> str:
    """A value as the INSERT standing in for COPY must write it: COPY carries a value as it is, so the literal reads
    back the same on a server where a backslash escapes (standard_conforming_strings = off, as Redshift)."""
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return str(value)
    return "E'" + str(value).replace("\\", "\\\\").replace("'", "''") + "'"


def connector_pieces(actions: str, table: str) -> list[str]:
    """spark-redshift: `actions.trim.split(";")`, and `String.format(piece, table)` for a piece containing %s."""
    if "\n" in actions or "\r" in actions:
        raise ValueError("AWS: Redshift connector actions must not contain newlines")
    pieces = actions.strip().split(";")
    while pieces and pieces[-1] == "":
        pieces.pop()
    return [p % (table,) if "%s" in p else p for p in pieces]


class ConnectorStandin:
    """spark-redshift's append write of one frame, on one JDBC connection (see the module doc)."""

    def __init__(self, spark: SparkSession):
        self.spark = spark

    def write(self, df: DataFrame | None, table: str, preactions: str, postactions: str) -> None:
        conn = WORLD.jdbc_connection(self.spark)
        executed = []

        def run(sql: str) -> None:
            executed.append(sql)
            statement = conn.createStatement()
            try:
                statement.execute(sql)
            finally:
                statement.close()

        try:
            conn.setAutoCommit(False)
            if df is not None:
                columns = ", ".join(f"{f.name} {SQL_TYPES[type(f.dataType)]}" for f in df.schema.fields)
                run(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
            for piece in connector_pieces(preactions, table):
                run(piece)
            rows = df.collect() if df is not None else []
            if rows:  # COPY of the unloaded frame; the connector skips it when there is nothing to load
                run(f"INSERT INTO {table} VALUES " + ", ".join("(" + ", ".join(_literal(v) for v in r) + ")" for r in rows))
            for piece in connector_pieces(postactions, table):
                run(piece)
            conn.commit()
        except Exception:
            conn.rollback()
            raise
        finally:
            conn.close()
            WORLD.connector_writes.append(executed)


class _Writer:
    def __init__(self, spark: SparkSession):
        self.spark = spark

    def from_jdbc_conf(self, frame, catalog_connection, connection_options, redshift_tmp_dir):
        assert catalog_connection == WORLD.connection_name, f"unknown Glue connection {catalog_connection!r}"
        assert connection_options["database"] == WORLD.database
        df = frame.toDF()
        if df.isEmpty():
            raise AssertionError("stand-in: Glue's handling of an empty frame is not documented; the job must not rely on it")
        ConnectorStandin(self.spark).write(
            df, connection_options["dbtable"], connection_options.get("preactions", ""), connection_options.get("postactions", "")
        )

    def from_options(self, frame, connection_type, connection_options, format, format_options):  # noqa: A002
        assert connection_type == "s3" and format == "csv"
        bucket, prefix = re.match(r"^s3://([^/]+)/(.*)$", connection_options["path"]).groups()
        keys = connection_options.get("partitionKeys", [])
        df = frame.toDF()
        data_columns = [c for c in df.columns if c not in keys]
        groups: dict = {}
        for row in df.collect():
            groups.setdefault(tuple(row[k] for k in keys), []).append([row[c] for c in data_columns])
        s3 = boto3.client("s3")
        for values, rows in groups.items():
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            if format_options.get("writeHeader", True):
                writer.writerow(data_columns)
            writer.writerows([["" if v is None else v for v in r] for r in rows])
            folder = "".join(f"{k}={v}/" for k, v in zip(keys, values, strict=True))
            s3.put_object(Bucket=bucket, Key=f"{prefix}{folder}part-00000.csv", Body=out.getvalue().encode())
