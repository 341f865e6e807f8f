import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Construct } from "constructs";
import { PipelineDashboard } from "./dashboard";
import { jsonDocument } from "./json-document";
import type { ResourceNames } from "./naming";

export interface MonitoringLayerProps {
  readonly names: ResourceNames;
  readonly topicArn: string;
  readonly stateMachineArn: string;
  readonly jobName: string;
  readonly deadLetterQueueName: string;
  readonly region: string;
  /** Where the state machine publishes each pass's metrics. */
  readonly metricsNamespace: string;
  /** Alarm when one pass quarantines more than this share of its rows. */
  readonly quarantineRatioAlarm: number;
  /** Alarm when no flight file was processed for this many hours. */
  readonly expectNewFileWithinHours: number;
  /** Called with each rule that publishes to the topic, so the topic policy lets exactly those rules in. */
  readonly allowEventRule: (ruleArn: string) => void;
  /** Called with every alarm of this layer, so the topic policy lets exactly those alarms publish. */
  readonly allowAlarms: (alarmArns: readonly string[]) => void;
}

/** Alarms and events that tell the operators something went wrong, all sent to the notifications topic. */
export class MonitoringLayer extends Construct {
  readonly alarmNames: string[];
  readonly jobFailureRuleArn: string;
  readonly dashboardName: string;

  constructor(scope: Construct, id: string, props: MonitoringLayerProps) {
    super(scope, id);
    const { names } = props;
    const alarm = (
      purpose: string,
      description: string,
      namespace: string,
      metricName: string,
      dimensions: Record<string, string> | undefined,
      threshold = { statistic: "Sum", value: 0 },
    ) =>
      new CloudwatchMetricAlarm(this, purpose, {
        alarmName: names.name("monitoring", purpose),
        alarmDescription: description,
        namespace,
        metricName,
        dimensions,
        statistic: threshold.statistic,
        period: 300,
        evaluationPeriods: 1,
        threshold: threshold.value,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [props.topicArn],
        okActions: [props.topicArn],
      });
    const alarms = [
      alarm("executions-failed", "A pipeline execution failed", "AWS/States", "ExecutionsFailed", { StateMachineArn: props.stateMachineArn }),
      alarm("executions-timed-out", "A pipeline execution timed out", "AWS/States", "ExecutionsTimedOut", { StateMachineArn: props.stateMachineArn }),
      alarm("dead-letters", "An S3 event could not start the pipeline and waits in the dead-letter queue", "AWS/SQS", "ApproximateNumberOfMessagesVisible", {
        QueueName: props.deadLetterQueueName,
      }),
      // The state machine publishes one data point per pass; the worst pass of five minutes decides.
      alarm(
        "quarantine-ratio",
        `A pass quarantined more than ${props.quarantineRatioAlarm * 100}% of its rows (see the pass's message and the quarantine prefix)`,
        props.metricsNamespace,
        "QuarantineRatio",
        undefined,
        { statistic: "Maximum", value: props.quarantineRatioAlarm },
      ),
      this.noNewFilesAlarm(props),
    ];
    this.alarmNames = alarms.map((a) => a.alarmName);
    props.allowAlarms(alarms.map((a) => a.arn));

    // Glue reports every run's end as an event: failures reach the operators even when no execution started the run.
    const jobFailed = new CloudwatchEventRule(this, "job-failed", {
      name: names.name("monitoring", "glue-job-failed", "eventRule"),
      description: "The flights job ended FAILED, TIMEOUT, STOPPED or ERROR",
      eventPattern: jsonDocument({
        source: ["aws.glue"],
        "detail-type": ["Glue Job State Change"],
        detail: { jobName: [props.jobName], state: ["FAILED", "TIMEOUT", "STOPPED", "ERROR"] },
      }),
    });
    new CloudwatchEventTarget(this, "job-failed-to-topic", {
      rule: jobFailed.name,
      arn: props.topicArn,
      inputTransformer: {
        inputPaths: { job: "$.detail.jobName", state: "$.detail.state", run: "$.detail.jobRunId", message: "$.detail.message" },
        inputTemplate: '"Glue job <job> run <run> ended <state>: <message>"',
      },
    });
    props.allowEventRule(jobFailed.arn);
    this.jobFailureRuleArn = jobFailed.arn;
    this.dashboardName = new PipelineDashboard(this, "dashboard", {
      names,
      region: props.region,
      stateMachineArn: props.stateMachineArn,
      metricsNamespace: props.metricsNamespace,
      deadLetterQueueName: props.deadLetterQueueName,
    }).dashboardName;
  }

  /**
   * A day's file never arrived, or nothing ran: every pass publishes FilesProcessed (0 on a quiet day), and an hour
   * without a pass counts as breaching too (missing data), so the alarm fires after N hours with no file processed.
   * Hourly periods: CloudWatch allows them up to seven days of evaluation (PutMetricAlarm).
   */
  private noNewFilesAlarm(props: MonitoringLayerProps): CloudwatchMetricAlarm {
    const hours = props.expectNewFileWithinHours;
    return new CloudwatchMetricAlarm(this, "no-new-files", {
      alarmName: props.names.name("monitoring", "no-new-files"),
      alarmDescription: `No daily flight file was processed for ${hours} hours: a day's file did not arrive, or no pass ran (the daily safety-net pass publishes 0)`,
      namespace: props.metricsNamespace,
      metricName: "FilesProcessed",
      statistic: "Sum",
      period: 3600,
      evaluationPeriods: hours,
      datapointsToAlarm: hours,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "breaching",
      alarmActions: [props.topicArn],
      okActions: [props.topicArn],
    });
  }
}
