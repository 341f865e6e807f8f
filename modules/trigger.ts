import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { Construct } from "constructs";
import { EVENT_PATTERN_FILE, loadEventPattern } from "./asl-files";
import type { EnvironmentConfig } from "./config/schema";
import { ServiceRole } from "./iam";
import { jsonDocument } from "./json-document";
import type { ResourceNames } from "./naming";

export interface TriggerLayerProps {
  readonly names: ResourceNames;
  readonly settings: EnvironmentConfig["trigger"];
  readonly kmsKeyArn: string;
  readonly bucketName: string;
  readonly dailyFlightsPrefix: string;
  readonly stateMachineArn: string;
  /** The event pattern template; the default is the project's own. */
  readonly patternFile?: string;
}

/** Starts the state machine when a daily flights .csv lands (and on the optional schedule), with a dead-letter queue for events it could not deliver. */
export class TriggerLayer extends Construct {
  readonly ruleArn: string;
  readonly ruleName: string;
  readonly eventPattern: string;
  readonly deadLetterQueueArn: string;
  readonly deadLetterQueueName: string;
  readonly deadLetterQueueUrl: string;

  constructor(scope: Construct, id: string, props: TriggerLayerProps) {
    super(scope, id);
    const { names, settings } = props;
    this.eventPattern = loadEventPattern(props.patternFile ?? EVENT_PATTERN_FILE, {
      DataBucketName: props.bucketName,
      DailyFlightsPrefix: props.dailyFlightsPrefix,
    });
    const dlq = new SqsQueue(this, "dead-letters", {
      name: names.name("trigger", "dead-letters", "sqsQueue"),
      kmsMasterKeyId: props.kmsKeyArn,
      messageRetentionSeconds: 1209600,
    });
    const role = new ServiceRole(this, "role", {
      name: names.name("trigger", "start-pipeline", "iamRole"),
      description: "EventBridge: start the pipeline's state machine",
      servicePrincipals: ["events.amazonaws.com"],
      policies: {
        "start-execution": [
          { sid: "StartPipeline", actions: ["states:StartExecution"], resources: [props.stateMachineArn] },
          // The machine is encrypted with the stack's key: StartExecution encrypts the input with a data key the caller
          // must be allowed to make (Step Functions developer guide, "Data at rest encryption").
          {
            sid: "EncryptExecutionInput",
            actions: ["kms:GenerateDataKey", "kms:Decrypt"],
            resources: [props.kmsKeyArn],
            conditions: { StringEquals: { "kms:EncryptionContext:aws:states:stateMachineArn": props.stateMachineArn } },
          },
        ],
      },
    });
    const onUpload = new CloudwatchEventRule(this, "on-upload", {
      name: names.name("trigger", "flights-uploaded", "eventRule"),
      description: "A daily flights .csv was created in the data bucket",
      eventPattern: this.eventPattern,
    });
    const rules = [onUpload];
    this.target(onUpload, role.arn, dlq.arn, props, {
      // The execution input names the object that started the run.
      inputPaths: { bucket: "$.detail.bucket.name", key: "$.detail.object.key", eventTime: "$.time" },
      inputTemplate: '{"bucket": <bucket>, "key": <key>, "eventTime": <eventTime>, "source": "s3"}',
    });
    if (settings.schedule) {
      const scheduled = new CloudwatchEventRule(this, "on-schedule", {
        name: names.name("trigger", "scheduled", "eventRule"),
        description: "Scheduled pipeline run",
        scheduleExpression: settings.schedule,
      });
      this.target(scheduled, role.arn, dlq.arn, props, {
        inputPaths: { eventTime: "$.time" },
        inputTemplate: '{"eventTime": <eventTime>, "source": "schedule"}',
      });
      rules.push(scheduled);
    }
    new SqsQueuePolicy(this, "dead-letters-policy", {
      queueUrl: dlq.url,
      policy: jsonDocument({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "RulesSendUndeliveredEvents",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sqs:SendMessage",
            Resource: dlq.arn,
            Condition: { ArnEquals: { "aws:SourceArn": rules.map((r) => r.arn) } },
          },
        ],
      }),
    });
    this.ruleArn = onUpload.arn;
    this.ruleName = onUpload.name;
    this.deadLetterQueueArn = dlq.arn;
    this.deadLetterQueueName = dlq.name;
    this.deadLetterQueueUrl = dlq.url;
  }

  private target(
    rule: CloudwatchEventRule,
    roleArn: string,
    dlqArn: string,
    props: TriggerLayerProps,
    input: { inputPaths: Record<string, string>; inputTemplate: string },
  ): void {
    new CloudwatchEventTarget(this, `${rule.node.id}-target`, {
      rule: rule.name,
      arn: props.stateMachineArn,
      roleArn,
      inputTransformer: input,
      retryPolicy: { maximumEventAgeInSeconds: props.settings.maxEventAgeSeconds, maximumRetryAttempts: props.settings.retryAttempts },
      deadLetterConfig: { arn: dlqArn },
    });
  }
}
