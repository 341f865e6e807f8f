"""AWS Glue 5.0 entry point of the incremental flights job.

Thin on purpose: read (bookmarked flights, full airport dimension), call the pure functions of
flights_rules / flights_transform / flights_load, write (quarantine to S3, rows to Redshift), commit.
Everything it decides is tested locally; this file only needs Glue's own libraries.
"""
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import boto3
from awsglue.context import GlueContext
from awsglue.dynamicframe import DynamicFrame
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as F

import flights_load as load
import flights_rules as rules
import flights_transform as transform

ARGUMENTS = [
    "JOB_NAME", "TempDir", "data_bucket", "daily_flights_prefix", "quarantine_prefix", "catalog_database",
    "airport_table", "redshift_connection", "redshift_database", "redshift_schema", "redshift_copy_role_arn",
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


def clear_quarantine(bucket: str, prefix: str, files: list) -> None:
    """Removes the earlier quarantined rows of every file this run processes (they are replaced, not added to)."""
    s3 = boto3.client("s3")
    for key in files:
        listing = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}source_id={rules.source_id(key)}/")
        for page in listing:
            objects = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if objects:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})


def main() -> None:
    args = getResolvedOptions(sys.argv, ARGUMENTS)
    glue = GlueContext(SparkContext.getOrCreate())
    spark = glue.spark_session
    job = Job(glue)
    job.init(args["JOB_NAME"], args)
    rules.configure_session(spark)
    log = glue.get_logger()
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    bucket, schema = args["data_bucket"], args["redshift_schema"]

    # Bookmarked (transformation_ctx): only objects created or modified since the last committed run.
    # A separator and quote that never occur make each physical line one column: the rules see raw lines.
    raw = glue.create_dynamic_frame.from_options(
        connection_type="s3",
        connection_options={"paths": [f"s3://{bucket}/{args['daily_flights_prefix']}"], "recurse": True, "attachFilename": "source_uri"},
        format="csv",
        format_options={"withHeader": False, "separator": "\u0001", "quoteChar": -1},
        transformation_ctx="daily_flights_source",
    ).toDF()
    lines = raw.select(F.regexp_replace("source_uri", f"^s3://{bucket}/", "").alias("source_file"), F.col("col0").alias("value")).cache()
    keys = [r["source_file"] for r in lines.select("source_file").distinct().collect()]
    files = sorted(k for k in keys if rules.is_data_file(k))

    # No transformation_ctx: the dimension is read in full on every run.
    airport_table = f"{args['catalog_database']}.{args['airport_table']}"
    airports = transform.normalize_airports(
        glue.create_dynamic_frame.from_catalog(
            database=args["catalog_database"], table_name=args["airport_table"], redshift_tmp_dir=args["TempDir"],
            additional_options={"aws_iam_role": args["redshift_copy_role_arn"]},
        ).toDF(),
        source=airport_table,
    )
    classified = transform.classify(lines, airports, threshold(args["dep_delay_threshold"])).cache()
    summary = transform.summarize(classified, files_processed=len(files), files_ignored=len(keys) - len(files))

    if files:
        clear_quarantine(bucket, args["quarantine_prefix"], files)
        ids = F.broadcast(spark.createDataFrame([(k, rules.source_id(k)) for k in files], ["source_file", "source_id"]))
        (transform.quarantined_rows(classified, started).join(ids, "source_file")
            .write.mode("append").partitionBy("source_id").option("header", True)
            .csv(f"s3://{bucket}/{args['quarantine_prefix']}"))
        stage_sql, merge_sql = load.load_sql(sql_dir(), schema, files)
        glue.write_dynamic_frame.from_jdbc_conf(
            frame=DynamicFrame.fromDF(transform.loaded_rows(classified, started), glue, "daily_flights_processed"),
            catalog_connection=args["redshift_connection"],
            connection_options={
                "database": args["redshift_database"],
                "dbtable": f"{schema}.{load.STAGE_TABLE}",
                "preactions": stage_sql,
                "postactions": merge_sql,
                "aws_iam_role": args["redshift_copy_role_arn"],
            },
            redshift_tmp_dir=args["TempDir"],
        )
    log.info("run summary: " + json.dumps(summary))
    print(json.dumps(summary))
    job.commit()


if __name__ == "__main__":
    main()
