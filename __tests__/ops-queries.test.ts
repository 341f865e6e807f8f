import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RUN_DATE_PARTITION } from "../modules/config/layers";
import { QUARANTINE_COLUMNS, RUN_REPORT_COLUMNS } from "../modules/ops-queries";
import { allows } from "./support/iam-eval";
import { type Json, only, ref, synth } from "./support/synth";

const GLUE_JOBS = join(__dirname, "..", "glue-jobs");
const python = (file: string) => readFileSync(join(GLUE_JOBS, file), "utf8");
/** The projection of daily `run_date` partitions from the default first day, under FOLDER (`$${...}`: Terraform's
 * escape, so Athena, not Terraform, fills in the day). */
const projectedByDay = (folder: string) => ({
  "projection.enabled": "true",
  "projection.run_date.type": "date",
  "projection.run_date.format": "yyyy-MM-dd",
  "projection.run_date.range": "2026-01-01,NOW",
  "projection.run_date.interval": "1",
  "projection.run_date.interval.unit": "DAYS",
  "storage.location.template": `${folder}run_date=$\${run_date}/`,
});
const TEXT_FORMATS = ["org.apache.hadoop.mapred.TextInputFormat", "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"];

describe("OpsQueriesLayer (Athena over the quarantine and the run reports)", () => {
  const dev = () => synth("dev");
  const bucket = (json: Json) => ref(json, "aws_s3_bucket", (b) => b.bucket_prefix?.endsWith("-data-"), "bucket");
  const bucketArn = (json: Json) => ref(json, "aws_s3_bucket", (b) => b.bucket_prefix?.endsWith("-data-"), "arn");
  const keyArn = (json: Json) => ref(json, "aws_kms_key", () => true, "arn");
  const table = (json: Json, name: string) => only(json, "aws_glue_catalog_table", (t) => t.name === name);
  const workgroup = (json: Json) => only(json, "aws_athena_workgroup");
  const policy = (json: Json) => JSON.parse(only(json, "aws_iam_policy").policy);

  it("keeps results in the workgroup's own prefix of the data bucket, encrypted with the stack's key, the settings enforced", () => {
    const c = workgroup(dev()).configuration;
    expect(c.enforce_workgroup_configuration).toBe(true);
    expect(c.publish_cloudwatch_metrics_enabled).toBe(true);
    expect(c.engine_version).toStrictEqual({ selected_engine_version: "Athena engine version 3" });
    // Query history is not data: destroying the stack must not stop at a workgroup that ran queries.
    expect(workgroup(dev()).force_destroy).toBe(true);
    expect(c.result_configuration).toStrictEqual({
      output_location: `s3://${bucket(dev())}/query-results/`,
      encryption_configuration: { encryption_option: "SSE_KMS", kms_key_arn: keyArn(dev()) },
    });
    expect(c.bytes_scanned_cutoff_per_query).toBe(1024 * 1024 * 1024);
    const cut = synth("dev", (raw) => {
      raw.environments.dev.queries = { bytesScannedCutoffMb: 50 };
    });
    expect(workgroup(cut).configuration.bytes_scanned_cutoff_per_query).toBe(50 * 1024 * 1024);
  });

  it("expires query results after the configured days, and only them", () => {
    const rules = (json: Json) => only(json, "aws_s3_bucket_lifecycle_configuration", (l) => l.rule.some((r: Json) => r.id === "expire-query-results")).rule;
    const rule = (json: Json) => rules(json).find((r: Json) => r.id === "expire-query-results");
    expect(rule(dev()).filter).toStrictEqual([{ prefix: "query-results/" }]);
    expect(rule(dev()).expiration).toStrictEqual([{ days: 30 }]);
    const longer = synth("dev", (raw) => {
      raw.environments.dev.storage.queryResultExpirationDays = 90;
    });
    expect(rule(longer).expiration).toStrictEqual([{ days: 90 }]);
  });

  it("projects the quarantine's run-day partitions onto the layout the Glue job writes", () => {
    const q = table(dev(), "quarantine");
    const ingest = python("flights_ingest.py");
    expect(ingest).toContain(`RUN_DATE_PARTITION = "${RUN_DATE_PARTITION}"`);
    expect(ingest).toContain(`"partitionKeys": [RUN_DATE_PARTITION, "source_id"]`);
    expect(q.partition_keys).toStrictEqual([{ name: "run_date", type: "string" }]);
    // `$${...}`: Terraform's escape, so Athena (not Terraform) fills in the day.
    expect(q.parameters["storage.location.template"]).toBe(`s3://${bucket(dev())}/quarantine/run_date=$\${run_date}/`);
    expect(q.parameters).toStrictEqual({ EXTERNAL: "TRUE", "skip.header.line.count": "1", ...projectedByDay(`s3://${bucket(dev())}/quarantine/`) });
    expect(q.table_type).toBe("EXTERNAL_TABLE");
    const since = synth("dev", (raw) => {
      raw.environments.dev.queries = { partitionsSince: "2027-03-01" };
    });
    expect(table(since, "quarantine").parameters["projection.run_date.range"]).toBe("2027-03-01,NOW");
  });

  it("reads the quarantine's columns in the Glue job's order, as CSV with quoted fields", () => {
    const [, tuple] = /QUARANTINE_COLUMNS = \(([^)]*)\)/.exec(python("flights_transform.py"))!;
    const written = [...tuple.matchAll(/"(\w+)"/g)].map((m) => m[1]);
    const sd = table(dev(), "quarantine").storage_descriptor;
    expect(sd.columns.map((c: Json) => c.name)).toStrictEqual(written);
    expect(QUARANTINE_COLUMNS).toStrictEqual(written);
    expect(sd.ser_de_info).toStrictEqual({ serialization_library: "org.apache.hadoop.hive.serde2.OpenCSVSerde" });
    expect(sd.location).toBe(`s3://${bucket(dev())}/quarantine/`);
    expect(sd.columns.every((c: Json) => c.type === "string")).toBe(true);
    expect([sd.input_format, sd.output_format]).toStrictEqual(TEXT_FORMATS);
  });

  it("reads every field of the run report the Glue job writes, as JSON, partitioned by the day of its pass", () => {
    const summarize = python("flights_transform.py").split("def summarize(")[1].split("\ndef ")[0];
    const fields = [...summarize.matchAll(/^ {8}"(\w+)":/gm)].map((m) => m[1]);
    const sd = table(dev(), "run_reports").storage_descriptor;
    expect(sd.columns.map((c: Json) => c.name)).toStrictEqual(fields);
    expect(Object.keys(RUN_REPORT_COLUMNS)).toStrictEqual(fields);
    expect(sd.location).toBe(`s3://${bucket(dev())}/reports/runs/`);
    expect(sd.ser_de_info).toStrictEqual({ serialization_library: "org.openx.data.jsonserde.JsonSerDe" });
    expect(sd.columns.map((c: Json) => c.type)).toStrictEqual(["int", "int", "bigint", "bigint", "bigint", "bigint", "array<string>", "array<string>"]);
    expect([sd.input_format, sd.output_format]).toStrictEqual(TEXT_FORMATS);
    const reports = table(dev(), "run_reports");
    expect(python("flights_ingest.py")).toContain(`key = f"{args['run_reports_prefix']}{RUN_DATE_PARTITION}={args['run_date']}/{args['JOB_RUN_ID']}.json"`);
    expect(reports.partition_keys).toStrictEqual([{ name: "run_date", type: "string" }]);
    expect(reports.parameters).toStrictEqual({ EXTERNAL: "TRUE", classification: "json", ...projectedByDay(`s3://${bucket(dev())}/reports/runs/`) });
    expect(reports.table_type).toBe("EXTERNAL_TABLE");
  });

  it("lets the operators' policy query the workgroup and read only the operations data (IAM emulated)", () => {
    const json = dev();
    const doc = policy(json);
    const [arn, wg] = [bucketArn(json), ref(json, "aws_athena_workgroup", () => true, "arn")];
    const can = (action: string, resource: string, context?: Record<string, string>) => allows(doc, { action, resource, context });
    expect(can("athena:StartQueryExecution", wg)).toBe(true);
    expect(can("athena:StartQueryExecution", "arn:aws:athena:us-east-1:1:workgroup/primary")).toBe(false);
    expect(can("s3:GetObject", `${arn}/quarantine/run_date=2026-12-06/source_id=x/part-00000.csv`)).toBe(true);
    expect(can("s3:GetObject", `${arn}/reports/runs/run_date=2026-12-06/jr_1.json`)).toBe(true);
    expect(can("s3:GetObject", `${arn}/reports/set-aside/x.json`)).toBe(false);
    expect(can("s3:GetObject", `${arn}/daily_flights/date=2001-01-01/flights.csv`)).toBe(false);
    expect(can("s3:PutObject", `${arn}/query-results/q.csv`)).toBe(true);
    expect(can("s3:PutObject", `${arn}/quarantine/x.csv`)).toBe(false);
    expect(can("s3:ListBucket", arn, { "s3:prefix": "quarantine/run_date=2026-12-06/" })).toBe(true);
    expect(can("s3:ListBucket", arn, { "s3:prefix": "daily_flights/" })).toBe(false);
    expect(can("s3:ListBucket", arn, { "s3:prefix": "reports/runs/" })).toBe(true);
    expect(can("s3:ListBucket", arn, { "s3:prefix": "query-results/" })).toBe(true);
    expect(can("s3:GetObject", `${arn}/query-results/q.csv`)).toBe(true);
    expect(can("s3:GetObject", `${arn}/reports/other.json`)).toBe(false);
    const tableArn = (name: string) => ref(json, "aws_glue_catalog_table", (t) => t.name === name, "arn");
    const glue = "arn:${local.partition}:glue:us-east-1:${local.account_id}";
    expect(doc.Statement.find((s: Json) => s.Action.includes("glue:GetTable")).Resource).toStrictEqual([
      `${glue}:catalog`,
      ref(json, "aws_glue_catalog_database", (d) => d.name.endsWith("_ops_queries"), "arn"),
      tableArn("quarantine"),
      tableArn("run_reports"),
    ]);
    expect(can("kms:Decrypt", keyArn(json))).toBe(true);
    expect(doc.Statement.map((s: Json) => [s.Sid, s.Action])).toStrictEqual([
      [
        "QueryInTheWorkgroup",
        ["athena:StartQueryExecution", "athena:StopQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:GetWorkGroup"],
      ],
      ["ReadTheTables", ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions"]],
      ["ReadTheData", ["s3:GetObject"]],
      ["WriteTheResults", ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]],
      ["ListTheDataAndResults", ["s3:ListBucket"]],
      ["FindTheBucket", ["s3:GetBucketLocation"]],
      ["UseTheKey", ["kms:Decrypt", "kms:GenerateDataKey"]],
    ]);
    expect(can("s3:GetBucketLocation", arn)).toBe(true);
    expect(can("kms:GenerateDataKey", keyArn(json))).toBe(true);
    expect(doc.Statement.flatMap((s: Json) => s.Resource)).not.toContain("*");
  });

  it("refuses a first partition day that is not yyyy-MM-dd, naming the key", () => {
    expect(() =>
      synth("dev", (raw) => {
        raw.environments.dev.queries = { partitionsSince: "01/03/2027" };
      }),
    ).toThrow(/queries\.partitionsSince.*must be a day as yyyy-MM-dd/s);
  });
});
