import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { Construct } from "constructs";
import { loadStateMachineDefinition, STATE_MACHINE_FILE } from "./asl-files";
import type { EnvironmentConfig } from "./config/schema";
import { ServiceRole } from "./iam";
import type { ResourceNames } from "./naming";

export interface OrchestrationLayerProps {
  readonly names: ResourceNames;
  readonly settings: EnvironmentConfig["orchestration"];
  readonly kmsKeyArn: string;
  readonly crawler: { readonly name: string; readonly arn: string };
  readonly job: { readonly name: string; readonly arn: string };
  readonly topicArn: string;
  /** The ASL template; the default is the project's own. */
  readonly definitionFile?: string;
}

/** The Step Functions state machine from `asl/`: crawl, wait for READY, run the job, notify. */
export class OrchestrationLayer extends Construct {
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  /** The rendered ASL (Terraform references included), as sent to Step Functions. */
  readonly definition: string;

  constructor(scope: Construct, id: string, props: OrchestrationLayerProps) {
    super(scope, id);
    const { names, settings } = props;
    this.definition = loadStateMachineDefinition(props.definitionFile ?? STATE_MACHINE_FILE, {
      Environment: names.environment,
      S3CrawlerName: props.crawler.name,
      GlueJobName: props.job.name,
      TopicArn: props.topicArn,
      CrawlerPollSeconds: settings.crawlerPollSeconds,
      CrawlerMaxPolls: settings.crawlerMaxPolls,
      JobStartMaxAttempts: settings.jobStartMaxAttempts,
    });
    const logGroup = new CloudwatchLogGroup(this, "logs", {
      name: names.stateMachineLogGroup("pipeline"),
      retentionInDays: settings.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    const role = new ServiceRole(this, "role", {
      name: names.name("orchestration", "pipeline", "iamRole"),
      description: "Step Functions: start and watch the crawler and the job, publish the result",
      servicePrincipals: ["states.amazonaws.com"],
      policies: {
        crawler: [{ sid: "StartAndWatchCrawler", actions: ["glue:StartCrawler", "glue:GetCrawler"], resources: [props.crawler.arn] }],
        // What glue:startJobRun.sync needs: start, poll, and stop the run if the execution is stopped.
        job: [{ sid: "RunJobSync", actions: ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"], resources: [props.job.arn] }],
        notify: [
          { sid: "PublishResult", actions: ["sns:Publish"], resources: [props.topicArn] },
          { sid: "EncryptedTopic", actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [props.kmsKeyArn] },
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
    this.stateMachineArn = machine.arn;
    this.stateMachineName = machine.name;
  }
}
