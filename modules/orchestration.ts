import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { Construct } from "constructs";
import { loadStateMachineDefinition, STATE_MACHINE_FILE } from "./asl-files";
import { reportFolders } from "./config/layers";
import type { EnvironmentConfig } from "./config/schema";
import type { AwsContext } from "./glue-iam";
import { type PolicyStatement, ServiceRole } from "./iam";
import type { ResourceNames } from "./naming";
import { PassLeaseTable } from "./pass-lease";

export interface OrchestrationLayerProps {
  readonly names: ResourceNames;
  readonly settings: EnvironmentConfig["orchestration"];
  readonly kmsKeyArn: string;
  readonly crawler: { readonly name: string; readonly arn: string };
  readonly job: { readonly name: string; readonly arn: string };
  readonly topicArn: string;
  readonly aws: AwsContext;
  /** The data bucket and the prefix the job writes its run reports under (config/layers.ts reportFolders). */
  readonly bucket: { readonly name: string; readonly arn: string; readonly reportsPrefix: string };
  /** From config (longestPassSeconds): a pass that may not end before the execution's timeout is handed on. */
  readonly longestPassSeconds: number;
  /** The ASL template; the default is the project's own. */
  readonly definitionFile?: string;
}

/**
 * The Step Functions state machine from `asl/` and the lease table it coordinates through: one pass (crawl, wait
 * for READY, run the job, read its report, metrics, one message) at a time; executions that find a pass running
 * record their request and end.
 */
export class OrchestrationLayer extends Construct {
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  readonly leaseTableName: string;
  readonly metricsNamespace: string;
  /** The rendered ASL (Terraform references included), as sent to Step Functions. */
  readonly definition: string;

  constructor(scope: Construct, id: string, props: OrchestrationLayerProps) {
    super(scope, id);
    const { names, settings, aws } = props;
    const lease = new PassLeaseTable(this, "lease", { names, kmsKeyArn: props.kmsKeyArn });
    this.metricsNamespace = names.metricsNamespace;
    this.definition = loadStateMachineDefinition(props.definitionFile ?? STATE_MACHINE_FILE, {
      Environment: names.environment,
      S3CrawlerName: props.crawler.name,
      GlueJobName: props.job.name,
      TopicArn: props.topicArn,
      CrawlerPollSeconds: settings.crawlerPollSeconds,
      CrawlerMaxPolls: settings.crawlerMaxPolls,
      JobStartMaxAttempts: settings.jobStartMaxAttempts,
      TimeoutSeconds: settings.timeoutSeconds,
      SettleSeconds: settings.settleSeconds,
      LongestPassSeconds: props.longestPassSeconds,
      FailedPassRetries: settings.failedPassRetries,
      RetryDelaySeconds: settings.retryDelaySeconds,
      LeaseTableName: lease.tableName,
      LeaseItemId: PassLeaseTable.ITEM_ID,
      DataBucketName: props.bucket.name,
      RunReportsDayPrefix: reportFolders(props.bucket.reportsPrefix).runsOfDay,
      MetricsNamespace: this.metricsNamespace,
      Region: aws.region,
    });
    const logGroup = new CloudwatchLogGroup(this, "logs", {
      name: names.stateMachineLogGroup("pipeline"),
      retentionInDays: settings.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    const role = new ServiceRole(this, "role", {
      name: names.name("orchestration", "pipeline", "iamRole"),
      description: "Step Functions: hold the pass lease, run the crawler and the job, read the run report, publish metrics and the result",
      servicePrincipals: ["states.amazonaws.com"],
      policies: {
        crawler: [{ sid: "StartAndWatchCrawler", actions: ["glue:StartCrawler", "glue:GetCrawler"], resources: [props.crawler.arn] }],
        // What glue:startJobRun.sync needs: start, poll, and stop the run if the execution is stopped.
        job: [{ sid: "RunJobSync", actions: ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"], resources: [props.job.arn] }],
        lease: [{ sid: "PassLease", actions: ["dynamodb:UpdateItem"], resources: [lease.tableArn] }],
        report: [{ sid: "ReadRunReports", actions: ["s3:GetObject"], resources: [`${props.bucket.arn}/${reportFolders(props.bucket.reportsPrefix).runs}*`] }],
        metrics: [
          {
            sid: "PassMetrics",
            actions: ["cloudwatch:PutMetricData"],
            resources: ["*"],
            wildcardReason: "cloudwatch:PutMetricData has no resource type; the cloudwatch:namespace condition scopes it to the stack's namespace",
            conditions: { StringEquals: { "cloudwatch:namespace": this.metricsNamespace } },
          },
        ],
        notify: [
          { sid: "PublishResult", actions: ["sns:Publish"], resources: [props.topicArn] },
          // The topic, the run reports and the lease table are all encrypted with the stack's key.
          { sid: "StackKey", actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [props.kmsKeyArn] },
        ],
        "logs-and-tracing": [
          {
            sid: "LogDelivery",
            actions: [
              "logs:CreateLogDelivery",
              "logs:GetLogDelivery",
              "logs:UpdateLogDelivery",
              "logs:DeleteLogDelivery",
              "logs:ListLogDeliveries",
              "logs:PutResourcePolicy",
              "logs:DescribeResourcePolicies",
              "logs:DescribeLogGroups",
            ],
            resources: ["*"],
            wildcardReason: "CloudWatch Logs vended-log delivery actions support no resource-level permissions (Step Functions logging guide)",
          },
          {
            sid: "XRayTracing",
            actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
            resources: ["*"],
            wildcardReason: "X-Ray trace and sampling actions support no resource-level permissions",
          },
        ],
      },
    });
    const machine = new SfnStateMachine(this, "state-machine", {
      name: names.name("orchestration", "pipeline", "stateMachine"),
      type: "STANDARD",
      roleArn: role.arn,
      definition: this.definition,
      loggingConfiguration: { level: "ALL", includeExecutionData: true, logDestination: `${logGroup.arn}:*` },
      tracingConfiguration: { enabled: true },
      encryptionConfiguration: { type: "CUSTOMER_MANAGED_KMS_KEY", kmsKeyId: props.kmsKeyArn, kmsDataKeyReusePeriodSeconds: 300 },
    });
    // Statements on the machine itself: a separate policy, so the role does not wait for the machine it serves.
    role.allow("own-executions", ownExecutionStatements(aws, machine.arn, machine.name));
    this.stateMachineArn = machine.arn;
    this.stateMachineName = machine.name;
    this.leaseTableName = lease.tableName;
  }
}

/** Look up a lease owner's status (take over from a stopped one) and hand a long run of passes to a successor. */
export function ownExecutionStatements(aws: AwsContext, machineArn: string, machineName: string): PolicyStatement[] {
  return [
    {
      sid: "DescribeLeaseOwner",
      actions: ["states:DescribeExecution"],
      resources: [`arn:${aws.partition}:states:${aws.region}:${aws.accountId}:execution:${machineName}:*`],
    },
    { sid: "StartSuccessor", actions: ["states:StartExecution"], resources: [machineArn] },
  ];
}
