import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { loadPipelineConfig } from "../modules/config/load";
import { GLUE_ENTRY_SCRIPT, GLUE_LIBRARY_FILES } from "../modules/etl";
import { bodies, grantsOf, only, ref, roleStatements, synth } from "./support/synth";

describe("EtlLayer", () => {
  const dev = synth("dev");
  const job = () => only(dev, "aws_glue_job");

  it("runs one bookmarked run at a time through the Redshift connection", () => {
    expect(job().default_arguments["--job-bookmark-option"]).toBe("job-bookmark-enable");
    expect(job().execution_property).toStrictEqual({ max_concurrent_runs: 1 });
    expect(job().connections).toStrictEqual([ref(dev, "aws_glue_connection", () => true, "name")]);
    expect(job().glue_version).toBe("5.0");
    expect(job().default_arguments["--TempDir"]).toMatch(/\/glue\/temp\/$/);
  });

  it("takes workers, Flex and timeout from each environment's config", () => {
    expect(job()).toMatchObject({ worker_type: "G.1X", number_of_workers: 2, execution_class: "FLEX", timeout: 30 });
    expect(only(synth("prod"), "aws_glue_job")).toMatchObject({ worker_type: "G.2X", number_of_workers: 10, execution_class: "STANDARD", timeout: 120 });
  });

  it("ships every module of glue-jobs/ that the job imports, and only those", () => {
    const imported = new Set<string>();
    const visit = (file: string) => {
      for (const [, name] of readFileSync(file, "utf8").matchAll(/^import (flights_\w+)/gm)) {
        if (!imported.has(name)) imported.add(name) && visit(join(dirname(GLUE_ENTRY_SCRIPT), `${name}.py`));
      }
    };
    visit(GLUE_ENTRY_SCRIPT);
    expect(GLUE_LIBRARY_FILES.map((f) => basename(f, ".py")).sort()).toStrictEqual([...imported].sort());
  });

  it("uploads the script from glue-jobs/ with a hash that follows its content", () => {
    const script = only(dev, "aws_s3_object", (o) => o.key === "glue/scripts/flights_ingest.py");
    expect(job().command.script_location).toMatch(/\/glue\/scripts\/flights_ingest\.py$/);
    expect(script.source).toMatch(/^assets\/.+\/flights_ingest\.py$/);
    expect(script.source_hash).toBe(createHash("md5").update(readFileSync(GLUE_ENTRY_SCRIPT)).digest("hex").toUpperCase());
    expect(
      bodies(dev, "aws_s3_object")
        .map((o) => o.key)
        .sort(),
    ).toStrictEqual([
      "glue/scripts/003_create_daily_flights_processed.sql",
      "glue/scripts/flights_ingest.py",
      "glue/scripts/flights_jdbc.py",
      "glue/scripts/flights_load.py",
      "glue/scripts/flights_rules.py",
      "glue/scripts/flights_set_aside.py",
      "glue/scripts/flights_transform.py",
      "glue/scripts/merge_daily_flights.sql",
      "glue/scripts/stage_daily_flights.sql",
    ]);
    expect(
      job()
        .default_arguments["--extra-files"].split(",")
        .map((u: string) => u.replace(/^.*\//, "")),
    ).toStrictEqual(["stage_daily_flights.sql", "merge_daily_flights.sql", "003_create_daily_flights_processed.sql"]);
  });

  it("passes exactly the arguments the Glue script reads (Glue adds JOB_NAME and JOB_RUN_ID), with the config's prefixes", () => {
    const script = readFileSync(GLUE_ENTRY_SCRIPT, "utf8");
    const list = /^ARGUMENTS = \[([^\]]*)\]/m.exec(script)![1];
    const read = [...list.matchAll(/"(\w+)"/g)].map((m) => m[1]).filter((a) => !["JOB_NAME", "JOB_RUN_ID"].includes(a));
    const passed = Object.keys(job().default_arguments)
      .filter((k) => !/^--(job-|enable-|extra-|custom-)/.test(k))
      .map((k) => k.slice(2));
    expect(passed.sort()).toStrictEqual(read.sort());
    const { prefixes } = loadPipelineConfig().environments.dev.storage;
    expect(job().default_arguments).toMatchObject({
      "--daily_flights_prefix": prefixes.dailyFlights,
      "--quarantine_prefix": prefixes.quarantine,
      "--run_reports_prefix": `${prefixes.reports}runs/`,
      "--dep_delay_threshold": "off",
    });
  });

  it("lets the job write only temp, quarantine, run reports and set-aside markers, and read code, flights and what it wrote", () => {
    const statements = roleStatements(dev, "etl-flights-ingest");
    const grants = (action: string) =>
      grantsOf(statements, action)
        .map((r) => r.replace(/^.*\}\//, ""))
        .sort();
    expect(grants("s3:PutObject")).toStrictEqual(["glue/temp/*", "quarantine/*", "reports/runs/*", "reports/set-aside/*"]);
    expect(grants("s3:DeleteObject")).toStrictEqual(["glue/temp/*", "quarantine/*", "reports/set-aside/*"]);
    expect(grants("s3:GetObject")).toStrictEqual(["daily_flights/*", "glue/scripts/*", "glue/temp/*", "quarantine/*", "reports/runs/*", "reports/set-aside/*"]);
  });
  it("passes the job every argument it needs, each from its resource or the config", () => {
    const bucket = ref(dev, "aws_s3_bucket", (b) => b.bucket_prefix?.endsWith("-data-"), "bucket");
    const lib = (f: string) => `s3://${bucket}/glue/scripts/${f}`;
    expect(job().default_arguments).toStrictEqual({
      "--job-language": "python",
      "--job-bookmark-option": "job-bookmark-enable",
      "--TempDir": `s3://${bucket}/glue/temp/`,
      "--enable-metrics": "true",
      "--enable-observability-metrics": "true",
      // Glue 5.0 logs to <prefix>/error and <prefix>/output: both groups are the stack's own.
      "--custom-logGroup-prefix": "/airline-ingest/dev/glue/flights-ingest",
      "--enable-job-insights": "true",
      "--extra-py-files": ["flights_rules.py", "flights_transform.py", "flights_load.py", "flights_jdbc.py", "flights_set_aside.py"].map(lib).join(","),
      // The fact table's DDL rides along: the row rules read its column widths from it.
      "--extra-files": ["stage_daily_flights.sql", "merge_daily_flights.sql", "003_create_daily_flights_processed.sql"].map(lib).join(","),
      "--data_bucket": bucket,
      "--daily_flights_prefix": "daily_flights/",
      "--quarantine_prefix": "quarantine/",
      "--run_reports_prefix": "reports/runs/",
      "--set_aside_prefix": "reports/set-aside/",
      "--catalog_database": ref(dev, "aws_glue_catalog_database", () => true, "name"),
      "--airport_table": "dev_airlines_dim_airport_codes",
      "--redshift_connection": ref(dev, "aws_glue_connection", () => true, "name"),
      "--redshift_database": "dev",
      "--redshift_schema": "airlines",
      "--redshift_copy_role_arn": ref(dev, "aws_iam_role", (r) => r.name.endsWith("-warehouse-s3-access"), "arn"),
      "--dep_delay_threshold": "off",
    });
  });

  it("passes a configured departure-delay threshold as its number", () => {
    const strict = synth("dev", (raw) => (raw.environments.dev.etl.depDelayThresholdMinutes = 15));
    expect(only(strict, "aws_glue_job").default_arguments["--dep_delay_threshold"]).toBe("15");
  });

  it("runs the script as a Python 3 Spark job, encrypted, never retried by Glue (the state machine reports the failure)", () => {
    expect(job().command).toStrictEqual({ name: "glueetl", python_version: "3", script_location: expect.stringMatching(/\/flights_ingest\.py$/) });
    expect(job().max_retries).toBe(0);
    expect(job().security_configuration).toBe(ref(dev, "aws_glue_security_configuration", () => true, "name"));
    expect(job().role_arn).toBe(ref(dev, "aws_iam_role", (r) => r.name.endsWith("-etl-flights-ingest"), "arn"));
  });

  it("keeps the job's two log groups (Glue 5.0's error and output) encrypted for the configured days, and its code encrypted in S3", () => {
    const key = ref(dev, "aws_kms_key", () => true, "arn");
    const policy = ref(dev, "aws_kms_key_policy", () => true, "id").replace(/^\$\{(.*)\.id\}$/, "$1");
    expect(bodies(dev, "aws_cloudwatch_log_group").filter((g) => g.name.includes("/glue/"))).toStrictEqual(
      ["error", "output"].map((stream) => ({
        name: `/airline-ingest/dev/glue/flights-ingest/${stream}`,
        retention_in_days: 365,
        kms_key_id: key,
        depends_on: [policy],
      })),
    );
    const tuned = synth("dev", (raw) => (raw.environments.dev.etl.logRetentionDays = 30));
    expect(
      bodies(tuned, "aws_cloudwatch_log_group")
        .filter((g) => g.name.includes("/glue/"))
        .map((g) => g.retention_in_days),
    ).toStrictEqual([30, 30]);
    expect(bodies(dev, "aws_s3_object").every((o) => o.kms_key_id === key)).toBe(true);
  });

  it("grants the job exactly its statements: read code and flights, list its prefixes, stage, quarantine, report, catalog, connection, logs, metrics, key", () => {
    const data = ref(dev, "aws_s3_bucket", (b) => b.bucket_prefix?.endsWith("-data-"), "arn");
    const groups = ["error", "output"].map((s) => ref(dev, "aws_cloudwatch_log_group", (g) => g.name.endsWith(`/glue/flights-ingest/${s}`), "arn"));
    const statements = roleStatements(dev, "etl-flights-ingest");
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(Object.keys(bySid).sort()).toStrictEqual([
      "CatalogRead",
      "DescribeConnectionVpc",
      "DescribeVpcForGlueConnection",
      "GlueConnectionEniCleanup",
      "GlueConnectionEnis",
      "GlueLogs",
      "JobLogs",
      "JobMetrics",
      "ListFlightsTempQuarantineReports",
      "ReadCodeAndFlights",
      "ReadConnection",
      "ReadRedshiftSecret",
      "RunReports",
      "SetAsideMarkers",
      "StageAndQuarantine",
      "UseDataKey",
    ]);
    expect(bySid.ListFlightsTempQuarantineReports).toStrictEqual({
      Sid: "ListFlightsTempQuarantineReports",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [data],
      Condition: { StringLike: { "s3:prefix": ["daily_flights/*", "glue/temp/*", "quarantine/*", "reports/runs/*", "reports/set-aside/*"] } },
    });
    expect(bySid.StageAndQuarantine.Action).toStrictEqual(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]);
    expect(bySid.JobLogs).toMatchObject({
      Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"],
      Resource: groups.flatMap((g) => [g, `${g}:log-stream:*`]),
    });
    expect(bySid.JobMetrics).toMatchObject({
      Action: ["cloudwatch:PutMetricData"],
      Resource: ["*"],
      Condition: { StringEquals: { "cloudwatch:namespace": "Glue" } },
    });
    expect(bySid.UseDataKey.Resource).toStrictEqual([ref(dev, "aws_kms_key", () => true, "arn")]);
    expect(bySid.CatalogRead.Action).not.toContain("glue:CreateTable");
    // GetConnection is authorized on the catalog too.
    expect(bySid.ReadConnection.Resource).toStrictEqual([
      "arn:${local.partition}:glue:us-east-1:${local.account_id}:catalog",
      ref(dev, "aws_glue_connection", () => true, "arn"),
    ]);
    expect(bySid.DescribeConnectionVpc.Resource).toStrictEqual([ref(dev, "aws_vpc", () => true, "arn")]);
    expect(bySid.ReadRedshiftSecret.Resource).toStrictEqual([ref(dev, "aws_secretsmanager_secret", () => true, "arn")]);
  });
});
