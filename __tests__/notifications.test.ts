import { TerraformStack, Testing } from "cdktf";
import { ResourceNames } from "../modules/naming";
import { NotificationsLayer } from "../modules/notifications";
import { bodies, only, ref, resources, synth } from "./support/synth";

/** The operators' topic: its name, key, subscriptions and the exact policy statements. */
describe("the notifications topic", () => {
  // Read inside each test, not at describe level: under StrykerJS a value computed there counts as covered by no test.
  const dev = synth("dev");
  const topic = () => only(dev, "aws_sns_topic");
  const topicArn = () => ref(dev, "aws_sns_topic", () => true, "arn");
  const policy = () => JSON.parse(only(dev, "aws_sns_topic_policy").policy);

  it("is named from the project, environment and purpose and encrypted with the stack's key", () => {
    expect(topic().name).toBe("airline-ingest-dev-notifications-pipeline");
    expect(topic().kms_master_key_id).toBe(ref(dev, "aws_kms_key", () => true, "arn"));
  });

  it("refuses publishing over plain HTTP to anyone", () => {
    expect(policy().Version).toBe("2012-10-17");
    expect(policy().Statement[0]).toStrictEqual({
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "sns:Publish",
      Resource: topicArn(),
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  it("lets exactly the event rules that target it publish, each named by ARN", () => {
    const targeting = new Set(
      bodies(dev, "aws_cloudwatch_event_target")
        .filter((t) => t.arn === topicArn())
        .map((t) => t.rule),
    );
    const rules = resources(dev, "aws_cloudwatch_event_rule")
      .filter(([name]) => targeting.has(`\${aws_cloudwatch_event_rule.${name}.name}`))
      .map(([name]) => `\${aws_cloudwatch_event_rule.${name}.arn}`);
    expect(policy().Statement[1]).toStrictEqual({
      Sid: "PipelineEventRulesPublish",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sns:Publish",
      Resource: topicArn(),
      Condition: { ArnEquals: { "aws:SourceArn": rules } },
    });
    expect(rules.length).toBeGreaterThan(0);
  });

  it("lets exactly the stack's alarms publish (a topic policy replaces the default one that let them in)", () => {
    const alarms = resources(dev, "aws_cloudwatch_metric_alarm").map(([name]) => `\${aws_cloudwatch_metric_alarm.${name}.arn}`);
    expect(alarms).toHaveLength(5);
    expect(policy().Statement).toHaveLength(3);
    const { Condition, ...statement } = policy().Statement[2];
    expect(statement).toStrictEqual({
      Sid: "PipelineAlarmsPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: "sns:Publish",
      Resource: topicArn(),
    });
    expect(Object.keys(Condition)).toStrictEqual(["ArnEquals"]);
    expect(Condition.ArnEquals["aws:SourceArn"].sort()).toStrictEqual(alarms.sort());
  });

  it("subscribes each configured e-mail address, and none when the list is empty", () => {
    expect(bodies(dev, "aws_sns_topic_subscription")).toStrictEqual([]);
    const withEmails = synth(
      "dev",
      (raw) => (raw.environments.dev.notifications = { ...raw.environments.dev.notifications, emails: ["ops@example.com", "data@example.com"] }),
    );
    const topicRef = ref(withEmails, "aws_sns_topic", () => true, "arn");
    expect(bodies(withEmails, "aws_sns_topic_subscription").map((s) => [s.topic_arn, s.protocol, s.endpoint])).toStrictEqual([
      [topicRef, "email", "ops@example.com"],
      [topicRef, "email", "data@example.com"],
    ]);
  });
});

it("a topic no event rule publishes to has only the deny statement", () => {
  const app = Testing.app();
  const stack = new TerraformStack(app, "t");
  new NotificationsLayer(stack, "notifications", { names: new ResourceNames("p", "dev"), kmsKeyArn: "key", emails: [] });
  const policy = JSON.parse(only(JSON.parse(Testing.synth(stack)), "aws_sns_topic_policy").policy);
  // Strict: toEqual lets a list with an extra undefined through.
  expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).toStrictEqual(["DenyInsecureTransport"]);
});
