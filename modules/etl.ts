import { basename, join } from "node:path";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { GlueJob } from "@cdktf/provider-aws/lib/glue-job";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { AssetType, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { reportFolders } from "./config/layers";
import type { EnvironmentConfig } from "./config/schema";
import { PipelineKey } from "./encryption";
import {
  type AwsContext,
  type CatalogArns,
  type ConnectionNetworkArns,
  catalogStatements,
  connectionNetworkStatements,
  connectionSecretStatements,
  glueLogStatements,
} from "./glue-iam";
import { type PolicyStatement, ServiceRole } from "./iam";
import type { ResourceNames } from "./naming";

const REPO_ROOT = join(__dirname, "..");
/** The Glue entry point and the pure modules it imports (shipped with --extra-py-files). */
export const GLUE_ENTRY_SCRIPT = join(REPO_ROOT, "glue-jobs", "flights_ingest.py");
export const GLUE_LIBRARY_FILES = ["flights_rules.py", "flights_transform.py", "flights_load.py", "flights_jdbc.py", "flights_set_aside.py"].map((f) =>
  join(REPO_ROOT, "glue-jobs", f),
);
/**
 * SQL the job runs in Redshift, and the fact table's DDL, whose column widths the row rules enforce (shipped with
 * --extra-files, read from the job's working directory).
 */
export const GLUE_SQL_FILES = ["sql/load/stage_daily_flights.sql", "sql/load/merge_daily_flights.sql", "sql/shared/003_create_daily_flights_processed.sql"].map(
  (f) => join(REPO_ROOT, f),
);

export interface EtlLayerProps {
  readonly names: ResourceNames;
  readonly aws: AwsContext;
  readonly settings: EnvironmentConfig["etl"];
  readonly kmsKeyArn: string;
  readonly bucket: {
    readonly name: string;
    readonly arn: string;
    readonly prefixes: EnvironmentConfig["storage"]["prefixes"];
  };
  readonly catalog: {
    readonly arns: CatalogArns;
    readonly databaseName: string;
    /** Catalog table of the Redshift airport dimension (made by the JDBC crawler). */
    readonly airportTableName: string;
    readonly connectionName: string;
    readonly connectionArn: string;
    readonly securityConfigurationName: string;
  };
  readonly redshift: {
    readonly databaseName: string;
    readonly schema: string;
    /** Secret of the Glue job\'s own database user (the connection\'s SECRET_ID). */
    readonly etlSecretArn: string;
    /** Role Redshift assumes for the COPY of Glue's staged data. */
    readonly copyRoleArn: string;
  };
  readonly network: ConnectionNetworkArns;
}

/** The incremental flights job: its code in S3 (keyed by content), role, log group and the Glue job itself. */
export class EtlLayer extends Construct {
  readonly jobName: string;
  readonly jobArn: string;
  readonly roleArn: string;
  /** The job's driver and executor logs (`error`) and its stdout/stderr (`output`). */
  readonly logGroupNames: string[];

  constructor(scope: Construct, id: string, props: EtlLayerProps) {
    super(scope, id);
    const { names, bucket, catalog, redshift, settings } = props;
    const scriptUri = this.ship(GLUE_ENTRY_SCRIPT, props);
    const libraryUris = GLUE_LIBRARY_FILES.map((f) => this.ship(f, props));
    const sqlUris = GLUE_SQL_FILES.map((f) => this.ship(f, props));
    const jobName = names.name("etl", "flights-ingest", "glue");
    // Glue 5.0 writes each run to `<custom-logGroup-prefix>/error` and `/output` (Glue developer guide, "Logging for
    // AWS Glue jobs"); the stack owns both, so their retention and encryption are its own.
    const logPrefix = names.logGroup("glue", "flights-ingest");
    const logGroups = ["error", "output"].map(
      (stream) =>
        new CloudwatchLogGroup(this, `logs-${stream}`, {
          name: `${logPrefix}/${stream}`,
          retentionInDays: settings.logRetentionDays,
          kmsKeyId: props.kmsKeyArn,
        }),
    );
    const role = new ServiceRole(this, "role", {
      name: names.name("etl", "flights-ingest", "iamRole"),
      description: "Glue job that loads new daily flights into Redshift",
      servicePrincipals: ["glue.amazonaws.com"],
      policies: this.policies(
        props,
        logGroups.map((g) => g.arn),
      ),
    });
    const job = new GlueJob(this, "job", {
      name: jobName,
      description: "Loads new daily flight files (job bookmarks) into the Redshift fact table, idempotently per source file",
      roleArn: role.arn,
      glueVersion: settings.glueVersion,
      command: { name: "glueetl", scriptLocation: scriptUri, pythonVersion: "3" },
      workerType: settings.workerType,
      numberOfWorkers: settings.numberOfWorkers,
      executionClass: settings.flex ? "FLEX" : "STANDARD",
      timeout: settings.timeoutMinutes,
      maxRetries: 0,
      executionProperty: { maxConcurrentRuns: 1 },
      connections: [catalog.connectionName],
      securityConfiguration: catalog.securityConfigurationName,
      defaultArguments: {
        "--job-language": "python",
        "--job-bookmark-option": "job-bookmark-enable",
        "--TempDir": `s3://${bucket.name}/${bucket.prefixes.glueTemp}`,
        "--enable-metrics": "true",
        "--enable-observability-metrics": "true",
        "--custom-logGroup-prefix": logPrefix,
        "--enable-job-insights": "true",
        "--extra-py-files": libraryUris.join(","),
        "--extra-files": sqlUris.join(","),
        "--data_bucket": bucket.name,
        "--daily_flights_prefix": bucket.prefixes.dailyFlights,
        "--quarantine_prefix": bucket.prefixes.quarantine,
        "--run_reports_prefix": reportFolders(bucket.prefixes.reports).runs,
        "--set_aside_prefix": reportFolders(bucket.prefixes.reports).setAside,
        "--catalog_database": catalog.databaseName,
        "--airport_table": catalog.airportTableName,
        "--redshift_connection": catalog.connectionName,
        "--redshift_database": redshift.databaseName,
        "--redshift_schema": redshift.schema,
        "--redshift_copy_role_arn": redshift.copyRoleArn,
        "--dep_delay_threshold": settings.depDelayThresholdMinutes === null ? "off" : String(settings.depDelayThresholdMinutes),
      },
    });
    this.jobName = job.name;
    this.jobArn = job.arn;
    this.roleArn = role.arn;
    this.logGroupNames = logGroups.map((g) => g.name);
  }

  /** Copies a file into the synth output and uploads it; source_hash follows the content, so a change re-uploads it. */
  private ship(file: string, props: EtlLayerProps): string {
    const name = basename(file);
    const asset = new TerraformAsset(this, `asset-${name}`, { path: file, type: AssetType.FILE });
    const key = `${props.bucket.prefixes.glueScripts}${name}`;
    new S3Object(this, `object-${name}`, { bucket: props.bucket.name, key, source: asset.path, sourceHash: asset.assetHash, kmsKeyId: props.kmsKeyArn });
    return `s3://${props.bucket.name}/${key}`;
  }

  private policies(props: EtlLayerProps, logGroupArns: string[]): Record<string, PolicyStatement[]> {
    const { bucket, aws } = props;
    const objects = (prefix: string) => `${bucket.arn}/${prefix}*`;
    const p = bucket.prefixes;
    const reports = reportFolders(p.reports);
    return {
      "read-code-and-flights": [
        { sid: "ReadCodeAndFlights", actions: ["s3:GetObject"], resources: [objects(p.glueScripts), objects(p.dailyFlights)] },
        {
          sid: "ListFlightsTempQuarantineReports",
          actions: ["s3:ListBucket"],
          resources: [bucket.arn],
          // Run reports: the newest earlier one says since when an emptied (0-byte) flights file is new.
          conditions: { StringLike: { "s3:prefix": [p.dailyFlights, p.glueTemp, p.quarantine, reports.runs, reports.setAside].map((x) => `${x}*`) } },
        },
      ],
      "write-temp-quarantine-reports": [
        { sid: "StageAndQuarantine", actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources: [objects(p.glueTemp), objects(p.quarantine)] },
        { sid: "RunReports", actions: ["s3:PutObject", "s3:GetObject"], resources: [objects(reports.runs)] },
        { sid: "SetAsideMarkers", actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources: [objects(reports.setAside)] },
      ],
      catalog: catalogStatements(props.catalog.arns, "read"),
      "redshift-connection": [
        ...connectionSecretStatements(props.catalog.arns.catalogArn, props.catalog.connectionArn, props.redshift.etlSecretArn),
        ...connectionNetworkStatements(aws, props.network),
      ],
      "logs-metrics-key": [
        ...glueLogStatements(aws),
        {
          sid: "JobLogs",
          actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"],
          resources: logGroupArns.flatMap((arn) => [arn, `${arn}:log-stream:*`]),
        },
        {
          sid: "JobMetrics",
          actions: ["cloudwatch:PutMetricData"],
          resources: ["*"],
          wildcardReason: "cloudwatch:PutMetricData supports no resource-level permissions; limited to the Glue namespace",
          conditions: { StringEquals: { "cloudwatch:namespace": "Glue" } },
        },
        { sid: "UseDataKey", actions: PipelineKey.USE_ACTIONS, resources: [props.kmsKeyArn] },
      ],
    };
  }
}
