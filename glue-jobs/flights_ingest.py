"""AWS Glue 5.0 entry point of the incremental flights job.

Thin on purpose: read (bookmarked flights, full airport dimension), call the pure functions of
flights_rules / flights_transform / flights_load, write (quarantine and run report to S3, rows to Redshift),
commit. Everything it decides is tested locally; the tests run this very main() against a stand-in for Glue's
reader, writer and bookmarks (glue-jobs/tests/glue_standin).
"""

import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import flights_jdbc as jdbc
import flights_load as load
import flights_rules as rules
import flights_set_aside as set_aside
import flights_transform as transform
from awsglue.context import GlueContext
from awsglue.dynamicframe import DynamicFrame
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from flights_set_aside import s3_objects
from pyspark.context import SparkContext
from pyspark.sql import functions as F

# JOB_NAME and JOB_RUN_ID are passed by Glue on every run; the others are the job's default arguments.
ARGUMENTS = [
    "JOB_NAME",
    "JOB_RUN_ID",
    "TempDir",
    "data_bucket",
    "daily_flights_prefix",
    "quarantine_prefix",
    "run_reports_prefix",
    "set_aside_prefix",
    "catalog_database",
    "airport_table",
    "redshift_connection",
    "redshift_database",
    "redshift_schema",
    "redshift_copy_role_arn",
    "dep_delay_threshold",
]


def threshold(value: str):
    return None if value == "off" else int(value)


def sql_dir() -> Path:
    """--extra-files land in the driver's working directory; fall back to the script's own folder."""
    for candidate in (Path.cwd(), Path(__file__).resolve().parent):
        if (candidate / load.MERGE_SQL).exists():
            return candidate
    raise FileNotFoundError(f"{load.MERGE_SQL} not found next to the job: check the job's --extra-files")


def read_new_lines(glue, args, set_aside_keys: list):
    """Bookmarked (transformation_ctx): only objects created or modified since the last committed run, but for the
    files set aside (flights_set_aside). A separator and quote that never occur make each physical line one column,
    so the rules see raw lines."""
    bucket, prefix = args["data_bucket"], args["daily_flights_prefix"]
    excluded = {"exclusions": set_aside.exclusions(bucket, prefix, set_aside_keys)} if set_aside_keys else {}
    frame = glue.create_dynamic_frame.from_options(
        connection_type="s3",
        connection_options={"paths": [f"s3://{bucket}/{prefix}"], "recurse": True, **excluded},
        format="csv",
        format_options={"withHeader": False, "separator": "\u0001", "quoteChar": -1, "attachFilename": transform.SOURCE_COLUMN},
        transformation_ctx="daily_flights_source",
    ).toDF()
    return transform.raw_lines(frame)


def read_airports(glue, args):
    """No transformation_ctx: the dimension is read in full on every run."""
    frame = glue.create_dynamic_frame.from_catalog(
        database=args["catalog_database"],
        table_name=args["airport_table"],
        redshift_tmp_dir=args["TempDir"],
        additional_options={"aws_iam_role": args["redshift_copy_role_arn"]},
    ).toDF()
    return transform.dimension(frame, source=f"{args['catalog_database']}.{args['airport_table']}")


def previous_run_start(s3, args) -> datetime | None:
    """When the newest earlier run started (its report's ``started`` metadata); None when no run says so. S3 keeps
    last-modified times to the second, so every report of the newest second is asked."""
    reports = [o for o in s3_objects(s3, args["data_bucket"], args["run_reports_prefix"]) if not o["Key"].endswith(f"/{args['JOB_RUN_ID']}.json")]
    newest = [o for o in reports if o["LastModified"] == max(r["LastModified"] for r in reports)]
    starts = [s3.head_object(Bucket=args["data_bucket"], Key=o["Key"]).get("Metadata", {}).get("started") for o in newest]
    return max((datetime.fromisoformat(s) for s in starts if s), default=None)


def changed_files(s3, args) -> list:
    """The data files (listed objects) changed since the previous run started. The window errs wide: from a second
    before that start (S3's times are whole seconds), or every file when no run says. Emptied files (0 bytes) give
    the bookmarked reader no line, so only this tells the run to drop their rows and quarantine (again: harmless);
    the others are what a failed run asks S3 about (flights_set_aside)."""
    since = previous_run_start(s3, args)
    cutoff = None if since is None else since.replace(microsecond=0) - timedelta(seconds=1)
    return [
        o
        for o in s3_objects(s3, args["data_bucket"], args["daily_flights_prefix"])
        if rules.is_data_file(o["Key"]) and (cutoff is None or o["LastModified"] >= cutoff)
    ]


# The quarantine (<prefix>run_date=<day>/source_id=<id>/part-*.csv) and the run reports
# (<run_reports_prefix>run_date=<day>/<JobRunId>.json) are partitioned by the day of the run: Athena's partitions
# (modules/ops-queries.ts), and where the state machine reads the report.
RUN_DATE_PARTITION = "run_date"


def run_date(argv: list, started: datetime) -> str:
    """The day of this run: ``--run_date`` (the state machine passes its pass's UTC day, and reads the report
    there), else the UTC day the run started (a run started from the console)."""
    if "--run_date" not in argv:
        return started.strftime("%Y-%m-%d")
    value = getResolvedOptions(argv, ["run_date"])["run_date"]
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"job argument --run_date: value {value!r} is not a day (YYYY-MM-DD)")
    return value


def clear_quarantine(s3, bucket: str, prefix: str, files: list) -> None:
    """Removes the earlier quarantined rows of every file this run processes (they are replaced, not added to),
    whichever day's run wrote them: one listing of the quarantine, matched on each key's source_id folder."""
    ids = {rules.source_id(key) for key in files}
    objects = [{"Key": o["Key"]} for o in s3_objects(s3, bucket, prefix) if _source_id_of(o["Key"]) in ids]
    for start in range(0, len(objects), 1000):  # DeleteObjects takes at most 1,000 keys
        s3.delete_objects(Bucket=bucket, Delete={"Objects": objects[start : start + 1000], "Quiet": True})


def _source_id_of(key: str) -> str | None:
    folder = next((part for part in key.split("/") if part.startswith("source_id=")), None)
    return None if folder is None else folder.removeprefix("source_id=")


class GlueSink:
    """The run's outcome in S3 (quarantine partitioned by run day and source_id) and Redshift (rows replaced per file)."""

    def __init__(self, glue, args, s3):
        self.glue, self.args, self.s3 = glue, args, s3

    def clear(self, files: list) -> None:
        clear_quarantine(self.s3, self.args["data_bucket"], self.args["quarantine_prefix"], files)

    def quarantine(self, rows) -> None:
        self.glue.write_dynamic_frame.from_options(
            frame=DynamicFrame.fromDF(rows.withColumn(RUN_DATE_PARTITION, F.lit(self.args["run_date"])), self.glue, "quarantine"),
            connection_type="s3",
            connection_options={
                "path": f"s3://{self.args['data_bucket']}/{self.args['quarantine_prefix']}",
                "partitionKeys": [RUN_DATE_PARTITION, "source_id"],
            },
            format="csv",
            format_options={"writeHeader": True},
        )

    def load(self, rows, files: list, rows_loaded: int) -> None:
        """Replaces the rows of FILES in one transaction. With good rows the connector does it (COPY between the
        actions); with none, the same actions run over the connection's JDBC, so the stale rows of files that are
        now all bad still go, whatever Glue does with an empty frame."""
        glue, args = self.glue, self.args
        pre, post = load.load_sql(sql_dir(), args["redshift_schema"], files)
        if rows_loaded:
            glue.write_dynamic_frame.from_jdbc_conf(
                frame=DynamicFrame.fromDF(rows.drop("source_id"), glue, "daily_flights_processed"),
                catalog_connection=args["redshift_connection"],
                connection_options={
                    "database": args["redshift_database"],
                    "dbtable": f"{args['redshift_schema']}.{load.STAGE_TABLE}",
                    "preactions": pre,
                    "postactions": post,
                    "aws_iam_role": args["redshift_copy_role_arn"],
                },
                redshift_tmp_dir=args["TempDir"],
            )
        else:
            conf = glue.extract_jdbc_conf(args["redshift_connection"])
            jdbc.run_in_one_transaction(glue.spark_session, conf, args["redshift_database"], load.split_actions(pre) + load.split_actions(post))


def process(glue, args, s3, lines, emptied, started, aside) -> dict:
    """The new lines and the emptied files through the shared pass (flights_transform.run_pass); returns the run
    report."""
    keys = [] if lines is None else [r["source_file"] for r in lines.select("source_file").distinct().collect()]
    files = sorted({k for k in keys if rules.is_data_file(k)} | set(emptied))
    ignored = len({k for k in keys if not rules.is_data_file(k)})
    airports = None if lines is None else read_airports(glue, args)
    sink = GlueSink(glue, args, s3)
    limit = threshold(args["dep_delay_threshold"])
    return transform.run_pass(lines, airports, files, sink, started=started, threshold=limit, files_ignored=ignored, files_set_aside=aside)


def run(glue, args, s3, started) -> dict:
    """The run's report. A run that fails sets aside the changed files S3 refuses to read (flights_set_aside)."""
    bucket, markers = args["data_bucket"], args["set_aside_prefix"]
    aside = [m["key"] for m in set_aside.still_set_aside(s3, bucket, markers)]
    changed = [o for o in changed_files(s3, args) if o["Key"] not in aside]
    try:
        lines = read_new_lines(glue, args, aside)
        emptied = sorted(o["Key"] for o in changed if o["Size"] == 0)
        if lines is None and not emptied:
            return transform.summarize(None, files_set_aside=aside)
        return process(glue, args, s3, None if lines is None else lines.cache(), emptied, started.replace(tzinfo=None), aside)
    except Exception as error:
        refused = set_aside.set_aside_refused(s3, bucket, markers, [o for o in changed if o["Size"] > 0], args["JOB_RUN_ID"])
        if refused:
            raise set_aside.UnreadableFilesSetAside(refused) from error
        raise


def write_report(s3, args, summary: dict, started: datetime) -> str:
    """The run's report; its ``started`` metadata tells the next run from when an emptied file is new."""
    key = f"{args['run_reports_prefix']}{RUN_DATE_PARTITION}={args['run_date']}/{args['JOB_RUN_ID']}.json"
    body = json.dumps(summary).encode()
    s3.put_object(Bucket=args["data_bucket"], Key=key, Body=body, ContentType="application/json", Metadata={"started": started.isoformat()})
    return key


def main() -> None:
    args = getResolvedOptions(sys.argv, ARGUMENTS)
    glue = GlueContext(SparkContext.getOrCreate())
    job = Job(glue)
    job.init(args["JOB_NAME"], args)
    rules.configure_session(glue.spark_session)
    started = datetime.now(UTC)
    args["run_date"] = run_date(sys.argv, started)
    s3 = boto3.client("s3")
    summary = run(glue, args, s3, started)
    report = write_report(s3, args, summary, started)
    glue.get_logger().info(f"run summary ({report}): " + json.dumps(summary))
    print(json.dumps(summary))
    job.commit()


if __name__ == "__main__":
    main()
