import { AthenaWorkgroup } from "@cdktf/provider-aws/lib/athena-workgroup";
import { GlueCatalogDatabase } from "@cdktf/provider-aws/lib/glue-catalog-database";
import { GlueCatalogTable, type GlueCatalogTableStorageDescriptorColumns } from "@cdktf/provider-aws/lib/glue-catalog-table";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { Construct } from "constructs";
import { RUN_DATE_PARTITION, reportFolders } from "./config/layers";
import type { AwsContext } from "./glue-iam";
import { type PolicyStatement, policyDocument } from "./iam";
import type { ResourceNames } from "./naming";

/** The quarantine's columns, in the order the Glue job writes them (flights_transform.QUARANTINE_COLUMNS). */
export const QUARANTINE_COLUMNS = ["source_file", "line", "reason", "flight_date", "quarantined_at"] as const;
/** The run report's fields (flights_transform.summarize) and their SQL types. */
export const RUN_REPORT_COLUMNS = {
  files_processed: "int",
  files_ignored: "int",
  rows_in: "bigint",
  rows_loaded: "bigint",
  rows_quarantined: "bigint",
  rows_filtered: "bigint",
  files: "array<string>",
  files_set_aside: "array<string>",
} as const;

export interface OpsQueriesProps {
  readonly names: ResourceNames;
  readonly aws: AwsContext;
  readonly kmsKeyArn: string;
  readonly bucket: { readonly name: string; readonly arn: string };
  readonly prefixes: { readonly quarantine: string; readonly reports: string; readonly queryResults: string };
  /** A query that would scan more is cancelled (Athena bills per byte scanned). */
  readonly bytesScannedCutoffMb: number;
  /** First day of the quarantine's projected partitions (yyyy-MM-dd). */
  readonly partitionsSince: string;
}

/**
 * SQL over the operations data with Athena: the quarantine (partitioned by run day) and the run reports as tables of
 * their own database, one workgroup whose results are encrypted with the stack's key, and the policy an operator needs
 * to query them (attach it to the team's role).
 */
export class OpsQueriesLayer extends Construct {
  readonly workgroupName: string;
  readonly databaseName: string;
  readonly policyArn: string;

  constructor(scope: Construct, id: string, props: OpsQueriesProps) {
    super(scope, id);
    const { names, bucket, prefixes } = props;
    const { runs } = reportFolders(prefixes.reports);
    const database = new GlueCatalogDatabase(this, "database", {
      name: names.name("ops", "queries", "glueDatabase"),
      description: "Quarantined rows and run reports of the airline pipeline, for Athena",
    });
    const quarantine = new GlueCatalogTable(this, "quarantine", {
      databaseName: database.name,
      name: "quarantine",
      description: "Rows that broke a row rule, with the reason; partitioned by the day of the run that quarantined them",
      tableType: "EXTERNAL_TABLE",
      partitionKeys: [{ name: RUN_DATE_PARTITION, type: "string" }],
      parameters: { EXTERNAL: "TRUE", "skip.header.line.count": "1", ...projectedByDay(`s3://${bucket.name}/${prefixes.quarantine}`, props.partitionsSince) },
      // OpenCSVSerde's defaults are the writer's CSV: separator ',', quote '"', escape '\'.
      storageDescriptor: textTable(`s3://${bucket.name}/${prefixes.quarantine}`, QUARANTINE_COLUMNS.map(asString), {
        serializationLibrary: "org.apache.hadoop.hive.serde2.OpenCSVSerde",
      }),
    });
    const reports = new GlueCatalogTable(this, "run-reports", {
      databaseName: database.name,
      name: "run_reports",
      description: 'One row per Glue job run (its report), partitioned by the day of its pass; "$file_modified_time" is when the run ended',
      tableType: "EXTERNAL_TABLE",
      partitionKeys: [{ name: RUN_DATE_PARTITION, type: "string" }],
      parameters: { EXTERNAL: "TRUE", classification: "json", ...projectedByDay(`s3://${bucket.name}/${runs}`, props.partitionsSince) },
      storageDescriptor: textTable(
        `s3://${bucket.name}/${runs}`,
        Object.entries(RUN_REPORT_COLUMNS).map(([name, type]) => ({ name, type })),
        { serializationLibrary: "org.openx.data.jsonserde.JsonSerDe" },
      ),
    });
    const resultsUri = `s3://${bucket.name}/${prefixes.queryResults}`;
    const workgroup = new AthenaWorkgroup(this, "workgroup", {
      name: names.name("ops", "queries"),
      description: "SQL over the pipeline's quarantine and run reports",
      forceDestroy: true,
      configuration: {
        enforceWorkgroupConfiguration: true,
        publishCloudwatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffMb * 1024 * 1024,
        engineVersion: { selectedEngineVersion: "Athena engine version 3" },
        resultConfiguration: { outputLocation: resultsUri, encryptionConfiguration: { encryptionOption: "SSE_KMS", kmsKeyArn: props.kmsKeyArn } },
      },
    });
    const policy = new IamPolicy(this, "query-policy", {
      name: names.name("ops", "query", "iamRole"),
      description: "Query the pipeline's quarantine and run reports with Athena (attach to the operators' role)",
      policy: policyDocument(
        queryStatements({
          aws: props.aws,
          workgroupArn: workgroup.arn,
          databaseArn: database.arn,
          tableArns: [quarantine.arn, reports.arn],
          bucketArn: bucket.arn,
          prefixes,
          kmsKeyArn: props.kmsKeyArn,
        }),
      ),
    });
    this.workgroupName = workgroup.name;
    this.databaseName = database.name;
    this.policyArn = policy.arn;
  }
}

interface QueryGrants {
  readonly aws: AwsContext;
  readonly workgroupArn: string;
  readonly databaseArn: string;
  readonly tableArns: string[];
  readonly bucketArn: string;
  readonly prefixes: OpsQueriesProps["prefixes"];
  readonly kmsKeyArn: string;
}

/**
 * What a query in the workgroup needs of its caller: Athena reads the catalog and S3 with the caller's own
 * permissions, and writes the results (encrypted with the key) under the results prefix.
 */
export function queryStatements(g: QueryGrants): PolicyStatement[] {
  const read = [`${g.prefixes.quarantine}*`, `${reportFolders(g.prefixes.reports).runs}*`];
  return [
    {
      sid: "QueryInTheWorkgroup",
      actions: ["athena:StartQueryExecution", "athena:StopQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:GetWorkGroup"],
      resources: [g.workgroupArn],
    },
    {
      sid: "ReadTheTables",
      actions: ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions"],
      resources: [`arn:${g.aws.partition}:glue:${g.aws.region}:${g.aws.accountId}:catalog`, g.databaseArn, ...g.tableArns],
    },
    { sid: "ReadTheData", actions: ["s3:GetObject"], resources: read.map((p) => `${g.bucketArn}/${p}`) },
    {
      sid: "WriteTheResults",
      actions: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      resources: [`${g.bucketArn}/${g.prefixes.queryResults}*`],
    },
    {
      sid: "ListTheDataAndResults",
      actions: ["s3:ListBucket"],
      resources: [g.bucketArn],
      conditions: { StringLike: { "s3:prefix": [...read, `${g.prefixes.queryResults}*`] } },
    },
    { sid: "FindTheBucket", actions: ["s3:GetBucketLocation"], resources: [g.bucketArn] },
    // The data, the results and (where the stack manages catalog encryption) the catalog are encrypted with the key.
    { sid: "UseTheKey", actions: ["kms:Decrypt", "kms:GenerateDataKey"], resources: [g.kmsKeyArn] },
  ];
}

/**
 * Partition projection by day from `since` to today: Athena derives each day's location (`<folder>run_date=<day>/`),
 * so no crawler or MSCK REPAIR keeps partitions. `$${...}` is Terraform's escape of a literal `${...}`: Athena, not
 * Terraform, fills in the day.
 */
function projectedByDay(folder: string, since: string): Record<string, string> {
  const p = RUN_DATE_PARTITION;
  return {
    "projection.enabled": "true",
    [`projection.${p}.type`]: "date",
    [`projection.${p}.format`]: "yyyy-MM-dd",
    [`projection.${p}.range`]: `${since},NOW`,
    [`projection.${p}.interval`]: "1",
    [`projection.${p}.interval.unit`]: "DAYS",
    "storage.location.template": `${folder}${p}=$\${${p}}/`,
  };
}

function asString(name: string): GlueCatalogTableStorageDescriptorColumns {
  return { name, type: "string" };
}

function textTable(
  location: string,
  columns: GlueCatalogTableStorageDescriptorColumns[],
  serDeInfo: { serializationLibrary: string; parameters?: Record<string, string> },
) {
  return {
    location,
    inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
    outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    serDeInfo,
    columns,
  };
}
