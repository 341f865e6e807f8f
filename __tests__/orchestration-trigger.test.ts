import aslValidator from "asl-validator";
import { bodies, grantsOf, type Json, only, ref, roleStatements, synth } from "./support/synth";

describe("OrchestrationLayer", () => {
  const dev = synth("dev");
  const machine = () => only(dev, "aws_sfn_state_machine");
  const definition = () => JSON.parse(machine().definition);

  it("sends the definition from asl/ as readable JSON with references to this stack's resources", () => {
    expect(machine().definition).toContain('"QueryLanguage": "JSONata"');
    expect(definition().States.StartCrawler.Arguments.Name).toBe(ref(dev, "aws_glue_crawler", (c) => c.s3_target, "name"));
    expect(definition().States.StartJob.Arguments.JobName).toBe(ref(dev, "aws_glue_job", () => true, "name"));
    for (const state of ["NotifyPass", "NotifyFailure"])
      expect(definition().States[state].Arguments.TopicArn).toBe(ref(dev, "aws_sns_topic", () => true, "arn"));
    expect(definition().States.WaitForCrawler.Seconds).toBe(30);
    expect(definition().States.Settle.Seconds).toBe(60);
    expect(aslValidator(structuredClone(definition())).isValid).toBe(true);
  });

  it("writes the lease in this stack's table and reads the run reports under the configured prefix of this bucket", () => {
    const table = ref(dev, "aws_dynamodb_table", () => true, "name");
    const leaseStates = Object.entries<Json>(definition().States).filter(([, s]) => s.Resource === "arn:aws:states:::dynamodb:updateItem");
    expect(leaseStates.map(([n]) => n).sort()).toStrictEqual([
      "AcquireLease",
      "BeginPass",
      "RecordRequest",
      "ReleaseAfterFailure",
      "ReleaseForHandOff",
      "ReleaseLease",
      "TakeOverLease",
    ]);
    for (const [, s] of leaseStates) expect(s.Arguments).toMatchObject({ TableName: table, Key: { id: { S: "pass" } } });
    expect(definition().States.ReadRunReport.Arguments).toStrictEqual({
      Bucket: ref(dev, "aws_s3_bucket", (b) => b.bucket_prefix?.endsWith("-data-"), "bucket"),
      Key: "{% 'reports/runs/run_date=' & $runDate & '/' & $jobRun.Id & '.json' %}",
    });
    expect(definition().States.PublishMetrics.Arguments.Namespace).toBe("airline-ingest/dev");
  });

  it("releases the lease on every failure path: only ReleaseAfterFailure leads to the failure message, only that to Fail", () => {
    const targets = (state: Json): string[] =>
      [state.Next, state.Default, ...(state.Choices ?? []).map((c: Json) => c.Next), ...(state.Catch ?? []).map((c: Json) => c.Next)].filter(Boolean);
    const into = (name: string) =>
      Object.entries<Json>(definition().States)
        .filter(([, s]) => targets(s).includes(name))
        .map(([n]) => n);
    expect(into("NotifyFailure")).toStrictEqual(["ReleaseAfterFailure"]);
    expect(into("Failed")).toStrictEqual(["NotifyFailure"]);
    // Every Catch of States.ALL either goes there or to a state that carries on (report, metrics, owner lookup).
    const catchAll = Object.entries<Json>(definition().States).flatMap(([n, s]) =>
      (s.Catch ?? []).filter((c: Json) => c.ErrorEquals.includes("States.ALL")).map((c: Json) => [n, c.Next]),
    );
    expect(catchAll.filter(([, next]) => next !== "ReleaseAfterFailure")).toStrictEqual([
      ["DescribeOwner", "IsOwnerRunning"],
      // A failed pass is retried (bounded) before it gives up through ReleaseAfterFailure.
      ["AnnounceRetry", "CountFailedPass"],
      ["StartJob", "PassFailed"],
      ["ReadRunReport", "NotifyPass"],
      ["PublishMetrics", "NotifyPass"],
      ["NotifyPass", "ReleaseLease"],
      ["ReleaseAfterFailure", "NotifyFailure"],
      ["NotifyFailure", "Failed"],
    ]);
  });

  it("retries a failed pass at most the configured times, only while a whole pass still fits, then gives up", () => {
    const states = definition().States;
    expect(
      Object.entries<Json>(states)
        .filter(([, s]) => s.Next === "PassFailed" || (s.Catch ?? []).some((c: Json) => c.Next === "PassFailed"))
        .map(([n]) => n)
        .sort(),
    ).toStrictEqual(["CrawlFailed", "CrawlerTimedOut", "StartJob"]);
    const [first, again] = states.PassFailed.Choices;
    // dev: two retries, 600 s apart, each needing the longest pass (3960 s) before the 7200 s timeout.
    expect(again.Condition).toBe(
      "{% $failedPasses < 2 and $toMillis($states.context.State.EnteredTime) + (600 + 3960) * 1000 <= $toMillis($states.context.Execution.StartTime) + 7200 * 1000 %}",
    );
    expect([first.Next, again.Next, states.PassFailed.Default]).toStrictEqual(["AnnounceRetry", "CountFailedPass", "ReleaseAfterFailure"]);
    expect(states.WaitBeforeRetry).toStrictEqual({ Type: "Wait", Seconds: 600, Next: "Settle" });
    const tuned = JSON.parse(
      only(
        synth("dev", (r) => (r.environments.dev.orchestration = { failedPassRetries: 0, retryDelaySeconds: 120 })),
        "aws_sfn_state_machine",
      ).definition,
    );
    expect(tuned.States.PassFailed.Choices[1].Condition).toContain("$failedPasses < 0 and");
    expect(tuned.States.WaitBeforeRetry.Seconds).toBe(120);
  });

  it("times executions out after the configured seconds and stops starting passes that would not fit", () => {
    expect(definition().TimeoutSeconds).toBe(7200);
    // dev: settle 60 + 60 polls x 30 s + job 30 min + 300 s
    expect(definition().States.TimeForAnotherPass.Choices[0].Condition).toContain("+ 3960 * 1000 <=");
    const prod = JSON.parse(only(synth("prod"), "aws_sfn_state_machine").definition);
    expect(prod.TimeoutSeconds).toBe(14400);
    expect(prod.States.TimeForAnotherPass.Choices[0].Condition).toContain("+ 9360 * 1000 <= $toMillis($states.context.Execution.StartTime) + 14400 * 1000");
  });

  it("keeps the lease in an on-demand table encrypted with the stack's key, with point-in-time recovery", () => {
    const table = only(dev, "aws_dynamodb_table");
    expect(table).toMatchObject({
      name: "airline-ingest-dev-orchestration-pass-lease",
      billing_mode: "PAY_PER_REQUEST",
      hash_key: "id",
      attribute: [{ name: "id", type: "S" }],
      server_side_encryption: { enabled: true, kms_key_arn: ref(dev, "aws_kms_key", () => true, "arn") },
      point_in_time_recovery: { enabled: true },
    });
  });

  it("logs all events with execution data and traces with X-Ray", () => {
    expect(machine().logging_configuration).toMatchObject({ level: "ALL", include_execution_data: true });
    expect(machine().logging_configuration.log_destination).toMatch(/^\$\{aws_cloudwatch_log_group\..+\.arn\}:\*$/);
    expect(machine().tracing_configuration).toStrictEqual({ enabled: true });
  });

  it("scopes its role to this crawler, this job and this topic", () => {
    const statements = roleStatements(dev, "orchestration-pipeline");
    const crawlerArn = ref(dev, "aws_glue_crawler", (c) => c.s3_target, "arn");
    const jobArn = ref(dev, "aws_glue_job", () => true, "arn");
    expect(grantsOf(statements, "glue:StartCrawler")).toStrictEqual([crawlerArn]);
    expect(grantsOf(statements, "glue:GetCrawler")).toStrictEqual([crawlerArn]);
    for (const action of ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"])
      expect(grantsOf(statements, action)).toStrictEqual([jobArn]);
    expect(grantsOf(statements, "sns:Publish")).toStrictEqual([ref(dev, "aws_sns_topic", () => true, "arn")]);
  });

  it("gives its role exactly these statements (every action and resource reviewed here)", () => {
    const statements = roleStatements(dev, "orchestration-pipeline").map((s: Json) => [s.Sid, s.Action, s.Resource, s.Condition]);
    const key = ref(dev, "aws_kms_key", () => true, "arn");
    const machine = (attr: string) => ref(dev, "aws_sfn_state_machine", () => true, attr);
    expect(statements).toStrictEqual([
      ["StartAndWatchCrawler", ["glue:StartCrawler", "glue:GetCrawler"], [ref(dev, "aws_glue_crawler", (c) => c.s3_target, "arn")], undefined],
      [
        "RunJobSync",
        ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"],
        [ref(dev, "aws_glue_job", () => true, "arn")],
        undefined,
      ],
      ["PassLease", ["dynamodb:UpdateItem"], [ref(dev, "aws_dynamodb_table", () => true, "arn")], undefined],
      [
        "LogDelivery",
        [
          "logs:CreateLogDelivery",
          "logs:GetLogDelivery",
          "logs:UpdateLogDelivery",
          "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries",
          "logs:PutResourcePolicy",
          "logs:DescribeResourcePolicies",
          "logs:DescribeLogGroups",
        ],
        ["*"],
        undefined,
      ],
      ["XRayTracing", ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"], ["*"], undefined],
      ["PassMetrics", ["cloudwatch:PutMetricData"], ["*"], { StringEquals: { "cloudwatch:namespace": "airline-ingest/dev" } }],
      ["PublishResult", ["sns:Publish"], [ref(dev, "aws_sns_topic", () => true, "arn")], undefined],
      ["StackKey", ["kms:GenerateDataKey", "kms:Decrypt"], [key], undefined],
      [
        "DescribeLeaseOwner",
        ["states:DescribeExecution"],
        [`arn:\${local.partition}:states:us-east-1:\${local.account_id}:execution:${machine("name")}:*`],
        undefined,
      ],
      ["StartSuccessor", ["states:StartExecution"], [machine("arn")], undefined],
      ["ReadRunReports", ["s3:GetObject"], [`${ref(dev, "aws_s3_bucket", (b) => b.bucket_prefix?.endsWith("-data-"), "arn")}/reports/runs/*`], undefined],
    ]);
    const role = only(dev, "aws_iam_role", (r) => r.name === "airline-ingest-dev-orchestration-pipeline");
    expect(JSON.parse(role.assume_role_policy).Statement).toStrictEqual([
      { Effect: "Allow", Principal: { Service: ["states.amazonaws.com"] }, Action: "sts:AssumeRole" },
    ]);
  });

  it("encrypts executions and their log group with the stack's key, and keeps the logs as configured", () => {
    const key = ref(dev, "aws_kms_key", () => true, "arn");
    expect(machine()).toMatchObject({
      name: "airline-ingest-dev-orchestration-pipeline",
      type: "STANDARD",
      role_arn: ref(dev, "aws_iam_role", (r) => r.name === "airline-ingest-dev-orchestration-pipeline", "arn"),
      encryption_configuration: { type: "CUSTOMER_MANAGED_KMS_KEY", kms_key_id: key, kms_data_key_reuse_period_seconds: 300 },
    });
    expect(only(dev, "aws_cloudwatch_log_group", (g) => g.name.includes("vendedlogs"))).toStrictEqual({
      name: "/aws/vendedlogs/states/airline-ingest-dev-orchestration-pipeline",
      retention_in_days: 365,
      kms_key_id: key,
      // CreateLogGroup checks the key policy: the group is made after it.
      depends_on: [ref(dev, "aws_kms_key_policy", () => true, "id").replace(/^\$\{(.*)\.id\}$/, "$1")],
    });
  });

  it("scopes the new calls to the lease table, the report prefix, the stack's namespace and its own executions", () => {
    const statements = roleStatements(dev, "orchestration-pipeline");
    expect(grantsOf(statements, "dynamodb:UpdateItem")).toStrictEqual([ref(dev, "aws_dynamodb_table", () => true, "arn")]);
    expect(statements.flatMap((s) => [].concat(s.Action)).filter((a: string) => a.startsWith("dynamodb:"))).toStrictEqual(["dynamodb:UpdateItem"]);
    expect(grantsOf(statements, "s3:GetObject")).toStrictEqual([
      `${ref(dev, "aws_s3_bucket", (b) => b.bucket_prefix?.endsWith("-data-"), "arn")}/reports/runs/*`,
    ]);
    const metrics = statements.find((s) => [].concat(s.Action).includes("cloudwatch:PutMetricData" as never));
    expect(metrics.Condition).toStrictEqual({ StringEquals: { "cloudwatch:namespace": "airline-ingest/dev" } });
    const machineName = ref(dev, "aws_sfn_state_machine", () => true, "name");
    expect(grantsOf(statements, "states:DescribeExecution")).toStrictEqual([
      `arn:\${local.partition}:states:us-east-1:\${local.account_id}:execution:${machineName}:*`,
    ]);
    expect(grantsOf(statements, "states:StartExecution")).toStrictEqual([ref(dev, "aws_sfn_state_machine", () => true, "arn")]);
  });
});

describe("TriggerLayer", () => {
  const dev = synth("dev");
  const onUpload = () => only(dev, "aws_cloudwatch_event_rule", (r) => r.name.endsWith("trigger-flights-uploaded"));
  const machineArn = ref(dev, "aws_sfn_state_machine", () => true, "arn");

  it("matches only .csv objects created under this bucket's daily flights prefix", () => {
    expect(JSON.parse(onUpload().event_pattern)).toStrictEqual({
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
    expect(target.retry_policy).toStrictEqual({ maximum_event_age_in_seconds: 3600, maximum_retry_attempts: 10 });
    expect(target.dead_letter_config.arn).toBe(ref(dev, "aws_sqs_queue", () => true, "arn"));
    expect(target.input_transformer.input_paths).toMatchObject({ bucket: "$.detail.bucket.name", key: "$.detail.object.key" });
    expect(grantsOf(roleStatements(dev, "trigger-start-pipeline"), "states:StartExecution")).toStrictEqual([machineArn]);
    // The machine is encrypted with the stack's key: the caller of StartExecution makes the input's data key.
    expect(roleStatements(dev, "trigger-start-pipeline").find((st) => st.Sid === "EncryptExecutionInput")).toStrictEqual({
      Sid: "EncryptExecutionInput",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: [ref(dev, "aws_kms_key", () => true, "arn")],
      Condition: { StringEquals: { "kms:EncryptionContext:aws:states:stateMachineArn": machineArn } },
    });
    expect(only(dev, "aws_sqs_queue").kms_master_key_id).toBe(ref(dev, "aws_kms_key", () => true, "arn"));
  });

  it("passes the object that started the run, and its time, as the execution input", () => {
    const target = only(dev, "aws_cloudwatch_event_target", (t) => t.arn === machineArn && t.input_transformer?.input_paths?.key);
    expect(target.input_transformer).toStrictEqual({
      input_paths: { bucket: "$.detail.bucket.name", key: "$.detail.object.key", eventTime: "$.time" },
      input_template: '{"bucket": <bucket>, "key": <key>, "eventTime": <eventTime>, "source": "s3"}',
    });
  });

  it("lets only EventBridge assume the trigger role", () => {
    const role = only(dev, "aws_iam_role", (r) => r.name.endsWith("trigger-start-pipeline"));
    expect(JSON.parse(role.assume_role_policy).Statement[0].Principal.Service).toStrictEqual(["events.amazonaws.com"]);
  });

  it("keeps undelivered events 14 days in a queue only this stack's rules may send to", () => {
    const queue = only(dev, "aws_sqs_queue");
    expect(queue.message_retention_seconds).toBe(1209600);
    const policyOf = (stack: Json) => JSON.parse(only(stack, "aws_sqs_queue_policy").policy);
    const statement = (stack: Json, rules: string[]) => ({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "RulesSendUndeliveredEvents",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: ref(stack, "aws_sqs_queue", () => true, "arn"),
          Condition: { ArnEquals: { "aws:SourceArn": rules } },
        },
      ],
    });
    const devRule = (suffix: string) => ref(dev, "aws_cloudwatch_event_rule", (r) => r.name.endsWith(suffix), "arn");
    expect(policyOf(dev)).toStrictEqual(statement(dev, [devRule("trigger-flights-uploaded"), devRule("trigger-scheduled")]));
    const off = synth("dev", (r) => (r.environments.dev.trigger = { schedule: null }));
    expect(policyOf(off).Statement[0].Condition.ArnEquals["aws:SourceArn"]).toHaveLength(1);
    const prod = synth("prod");
    const ruleArn = (suffix: string) => ref(prod, "aws_cloudwatch_event_rule", (r) => r.name.endsWith(suffix), "arn");
    expect(policyOf(prod)).toStrictEqual(statement(prod, [ruleArn("trigger-flights-uploaded"), ruleArn("trigger-scheduled")]));
  });

  it("runs the daily safety-net pass by default, at the hour the config names, and none when it is null", () => {
    expect(only(dev, "aws_cloudwatch_event_rule", (r) => r.schedule_expression).schedule_expression).toBe("cron(0 5 * * ? *)");
    const off = synth("dev", (r) => (r.environments.dev.trigger = { schedule: null }));
    expect(bodies(off, "aws_cloudwatch_event_rule").filter((r) => r.schedule_expression)).toHaveLength(0);
    const prod = synth("prod");
    const scheduled = only(prod, "aws_cloudwatch_event_rule", (r) => r.schedule_expression);
    expect(scheduled).toMatchObject({
      name: "airline-ingest-prod-trigger-scheduled",
      description: "Scheduled pipeline run",
      schedule_expression: "cron(0 6 * * ? *)",
    });
    const scheduledName = ref(prod, "aws_cloudwatch_event_rule", (r) => r.schedule_expression, "name");
    expect(only(prod, "aws_cloudwatch_event_target", (t) => t.rule === scheduledName).input_transformer).toStrictEqual({
      input_paths: { eventTime: "$.time" },
      input_template: '{"eventTime": <eventTime>, "source": "schedule"}',
    });
    expect(bodies(prod, "aws_cloudwatch_event_target").filter((t) => t.arn === ref(prod, "aws_sfn_state_machine", () => true, "arn"))).toHaveLength(2);
  });
});
