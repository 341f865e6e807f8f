import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import { dependable } from "cdktf/lib/tfExpression";
import type { Construct } from "constructs";
import { CatalogLayer } from "./catalog";
import { type BackendConfig, type EnvironmentConfig, longestPassSeconds } from "./config/schema";
import { PipelineKey } from "./encryption";
import { EtlLayer } from "./etl";
import type { AwsContext } from "./glue-iam";
import { MonitoringLayer } from "./monitoring";
import { ResourceNames } from "./naming";
import { NetworkLayer } from "./network";
import { NotificationsLayer } from "./notifications";
import { OpsQueriesLayer } from "./ops-queries";
import { OrchestrationLayer } from "./orchestration";
import type { OutputName } from "./outputs";
import { StorageLayer } from "./storage";
import { TriggerLayer } from "./trigger";
import { WarehouseLayer } from "./warehouse";

/** The Redshift table the job joins with, as the JDBC crawler catalogs it. */
export const AIRPORT_DIMENSION_TABLE = "dim_airport_codes";

export interface PipelineStackProps {
  readonly project: string;
  readonly environment: string;
  readonly backend: BackendConfig;
  readonly settings: EnvironmentConfig;
}

/** One environment of the pipeline: wires the layers together and declares the stack outputs. */
export class PipelineStack extends TerraformStack {
  readonly names: ResourceNames;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id);
    const { settings } = props;
    this.names = new ResourceNames(props.project, props.environment);
    const names = this.names;
    new AwsProvider(this, "aws", {
      region: settings.region,
      defaultTags: [{ tags: { project: props.project, environment: props.environment, ...settings.tags } }],
    });
    this.useBackend(props.backend, names);

    const key = new PipelineKey(this, "encryption", { names, region: settings.region });
    const aws: AwsContext = { partition: key.partition, region: settings.region, accountId: key.accountId };
    const network = new NetworkLayer(this, "network", {
      names,
      region: settings.region,
      availabilityZones: settings.availabilityZones,
      kmsKeyArn: key.arn,
      ...settings.network,
    });
    const storage = new StorageLayer(this, "storage", { names, kmsKeyArn: key.arn, ...settings.storage });
    const p = storage.prefixes;
    const notifications = new NotificationsLayer(this, "notifications", { names, kmsKeyArn: key.arn, emails: settings.notifications.emails });
    const warehouse = new WarehouseLayer(this, "warehouse", {
      names,
      kmsKeyArn: key.arn,
      subnetIds: network.privateSubnetIds,
      securityGroupId: network.redshiftSecurityGroupId,
      databaseName: settings.warehouse.databaseName,
      adminUsername: settings.warehouse.adminUsername,
      baseCapacityRpu: settings.warehouse.baseCapacityRpu,
      maxCapacityRpu: settings.warehouse.maxCapacityRpu,
      secretRecoveryDays: settings.warehouse.secretRecoveryDays,
      dataBucketArn: storage.bucketArn,
      readableObjectArns: [storage.objectsArn(p.airportCodes), storage.objectsArn(p.glueTemp)],
      writableObjectArns: [storage.objectsArn(p.glueTemp)],
      listablePrefixes: [p.airportCodes, p.glueTemp],
    });
    const redshift = { databaseName: settings.warehouse.databaseName, schema: settings.warehouse.schema, etlSecretArn: warehouse.etlSecretArn };
    const glueNetwork = {
      subnetId: network.glueSubnetId,
      subnetArn: network.glueSubnetArn,
      availabilityZone: network.glueAvailabilityZone,
      securityGroupId: network.glueSecurityGroupId,
      securityGroupArn: network.glueSecurityGroupArn,
      vpcArn: network.vpcArn,
    };
    const catalog = new CatalogLayer(this, "catalog", {
      names,
      aws,
      kmsKeyArn: key.arn,
      dataBucketArn: storage.bucketArn,
      dailyFlightsPrefix: p.dailyFlights,
      dailyFlightsUri: storage.s3Uri(p.dailyFlights),
      redshift: { ...redshift, endpointAddress: warehouse.endpointAddress, endpointPort: warehouse.endpointPort },
      network: glueNetwork,
      manageCatalogEncryption: settings.catalog.manageCatalogEncryption,
    });
    const etl = new EtlLayer(this, "etl", {
      names,
      aws,
      settings: settings.etl,
      kmsKeyArn: key.arn,
      bucket: { name: storage.bucketName, arn: storage.bucketArn, prefixes: p },
      catalog: {
        arns: catalog.arns,
        databaseName: catalog.databaseName,
        airportTableName: catalog.redshiftTableName(redshift.databaseName, redshift.schema, AIRPORT_DIMENSION_TABLE),
        connectionName: catalog.connectionName,
        connectionArn: catalog.connectionArn,
        securityConfigurationName: catalog.securityConfigurationName,
      },
      redshift: { ...redshift, copyRoleArn: warehouse.copyRoleArn },
      network: glueNetwork,
    });
    const orchestration = new OrchestrationLayer(this, "orchestration", {
      names,
      settings: settings.orchestration,
      kmsKeyArn: key.arn,
      crawler: { name: catalog.s3CrawlerName, arn: catalog.s3CrawlerArn },
      job: { name: etl.jobName, arn: etl.jobArn },
      topicArn: notifications.topicArn,
      aws,
      bucket: { name: storage.bucketName, arn: storage.bucketArn, reportsPrefix: p.reports },
      longestPassSeconds: longestPassSeconds(settings),
    });
    const trigger = new TriggerLayer(this, "trigger", {
      names,
      settings: settings.trigger,
      kmsKeyArn: key.arn,
      bucketName: storage.bucketName,
      dailyFlightsPrefix: p.dailyFlights,
      stateMachineArn: orchestration.stateMachineArn,
    });
    const monitoring = new MonitoringLayer(this, "monitoring", {
      names,
      region: settings.region,
      metricsNamespace: orchestration.metricsNamespace,
      quarantineRatioAlarm: settings.monitoring.quarantineRatioAlarm,
      expectNewFileWithinHours: settings.monitoring.expectNewFileWithinHours,
      topicArn: notifications.topicArn,
      stateMachineArn: orchestration.stateMachineArn,
      jobName: etl.jobName,
      deadLetterQueueName: trigger.deadLetterQueueName,
      allowEventRule: (arn) => notifications.allowEventRule(arn),
      allowAlarms: (arns) => notifications.allowAlarms(arns),
    });
    const queries = new OpsQueriesLayer(this, "queries", {
      names,
      aws,
      kmsKeyArn: key.arn,
      bucket: { name: storage.bucketName, arn: storage.bucketArn },
      prefixes: p,
      ...settings.queries,
    });
    this.applyAcrossLayers(key, settings.permissionsBoundary);

    const outputs: Record<OutputName, [value: string, description: string]> = {
      data_bucket_name: [storage.bucketName, "Data bucket: upload airport codes and daily flights here"],
      state_machine_arn: [orchestration.stateMachineArn, "Pipeline state machine"],
      glue_job_name: [etl.jobName, "Incremental flights Glue job"],
      s3_crawler_name: [catalog.s3CrawlerName, "Crawler over the daily flights partitions"],
      redshift_workgroup_name: [warehouse.workgroupName, "Redshift Serverless workgroup (Data API target)"],
      redshift_namespace_name: [warehouse.namespaceName, "Redshift Serverless namespace"],
      redshift_database_name: [warehouse.databaseName, "Redshift database of the airline schema"],
      redshift_admin_secret_arn: [warehouse.adminSecretArn, "Secrets Manager secret of the Redshift admin (managed by Redshift)"],
      redshift_etl_secret_arn: [warehouse.etlSecretArn, "Secrets Manager secret of the Glue job's own Redshift user (value set by seed:warehouse)"],
      redshift_copy_role_arn: [warehouse.copyRoleArn, "IAM role attached to the namespace for COPY from the data bucket"],
      notification_topic_arn: [notifications.topicArn, "SNS topic of pipeline results and alarms"],
      dashboard_name: [monitoring.dashboardName, "CloudWatch dashboard of executions, passes, rows and quarantine"],
      pass_lease_table_name: [orchestration.leaseTableName, "DynamoDB table holding the pass lease (which execution runs the current pass)"],
      dead_letter_queue_url: [trigger.deadLetterQueueUrl, "SQS queue of S3 events EventBridge could not deliver (npm run redrive empties it)"],
      ops_query_workgroup: [queries.workgroupName, "Athena workgroup for SQL over the quarantine and run reports"],
      ops_query_database: [queries.databaseName, "Glue database of the quarantine and run_reports tables"],
      ops_query_policy_arn: [queries.policyArn, "IAM policy to attach to the operators' role to query the workgroup"],
    };
    for (const [name, [value, description]] of Object.entries(outputs)) new TerraformOutput(this, name, { value, description });
  }

  /**
   * Two rules every layer's resources follow, applied once here so no layer can forget them: CreateLogGroup with a KMS
   * key fails unless the key policy already lets CloudWatch Logs use the key (so every group waits for the policy), and
   * with `permissionsBoundary` every role carries the boundary the CI deploy role requires.
   */
  private applyAcrossLayers(key: PipelineKey, permissionsBoundary: boolean): void {
    const boundaryArn = `arn:${key.partition}:iam::${key.accountId}:policy/${this.names.roleBoundaryPolicy}`;
    // A dependency token: depends_on takes the bare address (`type.name`) in the JSON and in `synth --hcl`.
    const keyPolicy = dependable(key.policy);
    for (const c of this.node.findAll()) {
      if (c instanceof CloudwatchLogGroup) c.dependsOn = [...(c.dependsOn ?? []), keyPolicy];
      if (c instanceof IamRole && permissionsBoundary) c.permissionsBoundary = boundaryArn;
    }
  }

  /** One state per stack: a Terraform Cloud workspace, an S3 key, or a local file. */
  private useBackend(backend: BackendConfig, names: ResourceNames): void {
    if (backend.type === "cloud") {
      new CloudBackend(this, { hostname: backend.hostname, organization: backend.organization, workspaces: new NamedCloudWorkspace(names.prefix) });
    } else if (backend.type === "s3") {
      new S3Backend(this, {
        bucket: backend.bucket,
        region: backend.region,
        key: `${backend.keyPrefix}${names.prefix}.tfstate`,
        encrypt: true,
        dynamodbTable: backend.dynamodbTable,
      });
      // S3-native state locking (Terraform 1.10+); cdktf 0.21 has no prop for it yet.
      if (!backend.dynamodbTable) this.addOverride("terraform.backend.s3.use_lockfile", true);
    } else {
      // Relative to cdktf.out/stacks/<env>: the state lives at the project root, outside what synth rewrites.
      new LocalBackend(this, { path: `../../../terraform.${this.names.environment}.tfstate` });
    }
  }
}
