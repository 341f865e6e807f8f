import aslValidator from "asl-validator";
import { bodies, grantsOf, only, ref, roleStatements, synth } from "./support/synth";

describe("OrchestrationLayer", () => {
  const dev = synth("dev");
  const machine = only(dev, "aws_sfn_state_machine");
  const definition = JSON.parse(machine.definition);

  it("sends the definition from asl/ as readable JSON with references to this stack's resources", () => {
    expect(machine.definition).toContain('"QueryLanguage": "JSONata"');
    expect(definition.States.StartCrawler.Arguments.Name).toBe(ref(dev, "aws_glue_crawler", (c) => c.s3_target, "name"));
    expect(definition.States.StartJob.Arguments.JobName).toBe(ref(dev, "aws_glue_job", () => true, "name"));
    expect(definition.States.NotifySuccess.Arguments.TopicArn).toBe(ref(dev, "aws_sns_topic", () => true, "arn"));
    expect(definition.States.WaitForCrawler.Seconds).toBe(30);
    expect(aslValidator(structuredClone(definition)).isValid).toBe(true);
  });

  it("logs all events with execution data and traces with X-Ray", () => {
    expect(machine.logging_configuration).toMatchObject({ level: "ALL", include_execution_data: true });
    expect(machine.logging_configuration.log_destination).toMatch(/^\$\{aws_cloudwatch_log_group\..+\.arn\}:\*$/);
    expect(machine.tracing_configuration).toEqual({ enabled: true });
  });

  it("scopes its role to this crawler, this job and this topic", () => {
    const statements = roleStatements(dev, "orchestration-pipeline");
    const crawlerArn = ref(dev, "aws_glue_crawler", (c) => c.s3_target, "arn");
    const jobArn = ref(dev, "aws_glue_job", () => true, "arn");
    expect(grantsOf(statements, "glue:StartCrawler")).toEqual([crawlerArn]);
    expect(grantsOf(statements, "glue:GetCrawler")).toEqual([crawlerArn]);
    for (const action of ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"])
      expect(grantsOf(statements, action)).toEqual([jobArn]);
    expect(grantsOf(statements, "sns:Publish")).toEqual([ref(dev, "aws_sns_topic", () => true, "arn")]);
  });
});

describe("TriggerLayer", () => {
  const dev = synth("dev");
  const onUpload = only(dev, "aws_cloudwatch_event_rule", (r) => r.name.endsWith("trigger-flights-uploaded"));
  const machineArn = ref(dev, "aws_sfn_state_machine", () => true, "arn");

  it("matches only .csv objects created under this bucket's daily flights prefix", () => {
    expect(JSON.parse(onUpload.event_pattern)).toEqual({
      source: ["aws.s3"],
      "detail-type": ["Object Created"],
      detail: {
        bucket: { name: [ref(dev, "aws_s3_bucket", (b) => b.bucket_prefix?.endsWith("-data-"), "bucket")] },
        object: { key: [{ wildcard: "daily_flights/*.csv" }] },
      },
    });
  });

  it("starts the state machine through its own role, with retries, a dead-letter queue and bucket/key input", () => {
    const target = only(dev, "aws_cloudwatch_event_target", (t) => t.arn === machineArn && t.input_transformer?.input_paths?.key);
    expect(target.role_arn).toBe(ref(dev, "aws_iam_role", (r) => r.name.endsWith("trigger-start-pipeline"), "arn"));
    expect(target.retry_policy).toEqual({ maximum_event_age_in_seconds: 3600, maximum_retry_attempts: 10 });
    expect(target.dead_letter_config.arn).toBe(ref(dev, "aws_sqs_queue", () => true, "arn"));
    expect(target.input_transformer.input_paths).toMatchObject({ bucket: "$.detail.bucket.name", key: "$.detail.object.key" });
    expect(grantsOf(roleStatements(dev, "trigger-start-pipeline"), "states:StartExecution")).toEqual([machineArn]);
    expect(only(dev, "aws_sqs_queue").kms_master_key_id).toBe(ref(dev, "aws_kms_key", () => true, "arn"));
  });

  it("adds the schedule from config only where one is set", () => {
    expect(bodies(dev, "aws_cloudwatch_event_rule").filter((r) => r.schedule_expression)).toHaveLength(0);
    const prod = synth("prod");
    const scheduled = only(prod, "aws_cloudwatch_event_rule", (r) => r.schedule_expression);
    expect(scheduled.schedule_expression).toBe("cron(0 6 * * ? *)");
    expect(bodies(prod, "aws_cloudwatch_event_target").filter((t) => t.arn === ref(prod, "aws_sfn_state_machine", () => true, "arn"))).toHaveLength(2);
  });
});
