import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Lazy } from "cdktf";
import { Construct } from "constructs";
import { jsonDocument } from "./json-document";
import type { ResourceNames } from "./naming";

export interface NotificationsLayerProps {
  readonly names: ResourceNames;
  readonly kmsKeyArn: string;
  /** E-mail addresses subscribed to the topic; each confirms its subscription by mail. */
  readonly emails: readonly string[];
}

/** The operators' SNS topic: pipeline results, Glue job failures and alarms all arrive here. */
export class NotificationsLayer extends Construct {
  readonly topicArn: string;
  readonly topicName: string;
  private readonly topic: SnsTopic;
  private readonly eventRuleArns: string[] = [];
  private readonly alarmArns: string[] = [];

  constructor(scope: Construct, id: string, props: NotificationsLayerProps) {
    super(scope, id);
    this.topic = new SnsTopic(this, "topic", { name: props.names.name("notifications", "pipeline", "snsTopic"), kmsMasterKeyId: props.kmsKeyArn });
    for (const [i, email] of props.emails.entries())
      new SnsTopicSubscription(this, `email-${i}`, { topicArn: this.topic.arn, protocol: "email", endpoint: email });
    this.topicArn = this.topic.arn;
    this.topicName = this.topic.name;
    // The policy is built at synth time from the rules registered below, so it lists every publisher once.
    new SnsTopicPolicy(this, "policy", { arn: this.topic.arn, policy: this.lazyPolicy() });
  }

  /** Lets one EventBridge rule (e.g. Glue job state changes) publish to the topic. */
  allowEventRule(ruleArn: string): void {
    this.eventRuleArns.push(ruleArn);
  }

  /**
   * Lets CloudWatch alarms publish: a topic policy replaces SNS's default one, which is what let the account's
   * alarms in (SNS developer guide, "Amazon SNS access control").
   */
  allowAlarms(alarmArns: readonly string[]): void {
    this.alarmArns.push(...alarmArns);
  }

  private lazyPolicy(): string {
    // Resolved at synth, after every layer registered its rules.
    return Lazy.stringValue({
      produce: () =>
        jsonDocument({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: "sns:Publish",
              Resource: this.topic.arn,
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            ...this.publishers("PipelineEventRulesPublish", "events.amazonaws.com", this.eventRuleArns),
            ...this.publishers("PipelineAlarmsPublish", "cloudwatch.amazonaws.com", this.alarmArns),
          ],
        }),
    });
  }

  /** A statement letting exactly these sources of one service publish; none when there are none. */
  private publishers(sid: string, service: string, sourceArns: string[]): object[] {
    if (!sourceArns.length) return [];
    return [
      {
        Sid: sid,
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sns:Publish",
        Resource: this.topic.arn,
        Condition: { ArnEquals: { "aws:SourceArn": sourceArns } },
      },
    ];
  }
}
