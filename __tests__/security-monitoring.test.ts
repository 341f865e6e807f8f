import { bodies, type Json, only, ref, synth } from "./support/synth";

describe("encryption by default", () => {
  const dev = synth("dev");
  const key = ref(dev, "aws_kms_key", () => true, "arn");

  it("uses one customer-managed key with rotation for bucket, topic, queue, log groups and Redshift", () => {
    expect(only(dev, "aws_kms_key").enable_key_rotation).toBe(true);
    expect(only(dev, "aws_sns_topic").kms_master_key_id).toBe(key);
    expect(only(dev, "aws_sqs_queue").kms_master_key_id).toBe(key);
    const groups = bodies(dev, "aws_cloudwatch_log_group");
    expect(groups.length).toBe(4);
    expect(groups.every((g) => g.kms_key_id === key && g.retention_in_days >= 365)).toBe(true);
    expect(only(dev, "aws_redshiftserverless_namespace")).toMatchObject({ kms_key_id: key, admin_password_secret_kms_key_id: key });
    expect(only(dev, "aws_sfn_state_machine").encryption_configuration).toMatchObject({ type: "CUSTOMER_MANAGED_KMS_KEY", kms_key_id: key });
  });

  it("attaches a Glue security configuration (S3, CloudWatch, bookmarks) to the job and both crawlers, and encrypts the catalog", () => {
    const security = only(dev, "aws_glue_security_configuration");
    expect(security.encryption_configuration).toStrictEqual({
      s3_encryption: { s3_encryption_mode: "SSE-KMS", kms_key_arn: key },
      cloudwatch_encryption: { cloudwatch_encryption_mode: "SSE-KMS", kms_key_arn: key },
      job_bookmarks_encryption: { job_bookmarks_encryption_mode: "CSE-KMS", kms_key_arn: key },
    });
    const name = ref(dev, "aws_glue_security_configuration", () => true, "name");
    expect(only(dev, "aws_glue_job").security_configuration).toBe(name);
    expect(bodies(dev, "aws_glue_crawler").map((c) => c.security_configuration)).toStrictEqual([name, name]);
    // The shipped config lets prod manage the account-wide catalog settings; dev leaves them alone.
    expect(bodies(dev, "aws_glue_data_catalog_encryption_settings")).toStrictEqual([]);
    const prod = synth("prod");
    expect(only(prod, "aws_glue_data_catalog_encryption_settings").data_catalog_encryption_settings.encryption_at_rest).toStrictEqual({
      catalog_encryption_mode: "SSE-KMS",
      sse_aws_kms_key_id: ref(prod, "aws_kms_key", () => true, "arn"),
    });
  });

  it("keeps Redshift private, routed through the VPC, with audit logs", () => {
    expect(only(dev, "aws_redshiftserverless_workgroup")).toMatchObject({ publicly_accessible: false, enhanced_vpc_routing: true });
    expect(only(dev, "aws_redshiftserverless_namespace").log_exports).toStrictEqual(["useractivitylog", "userlog", "connectionlog"]);
  });

  it("logs every VPC flow to an encrypted group", () => {
    expect(only(dev, "aws_flow_log")).toMatchObject({
      traffic_type: "ALL",
      log_destination_type: "cloud-watch-logs",
      vpc_id: ref(dev, "aws_vpc", () => true, "id"),
    });
  });
});

describe("alarms reach the operators' topic", () => {
  const dev = synth("dev");
  const topic = ref(dev, "aws_sns_topic", () => true, "arn");

  it("alarms on failed and timed-out executions and on dead letters", () => {
    const alarms = bodies(dev, "aws_cloudwatch_metric_alarm").filter((a) => a.namespace.startsWith("AWS/"));
    expect(alarms.map((a) => `${a.namespace}/${a.metric_name}`).sort()).toStrictEqual([
      "AWS/SQS/ApproximateNumberOfMessagesVisible",
      "AWS/States/ExecutionsFailed",
      "AWS/States/ExecutionsTimedOut",
    ]);
    expect(alarms.every((a) => a.alarm_actions[0] === topic && a.threshold === 0 && a.comparison_operator === "GreaterThanThreshold")).toBe(true);
    const machine = ref(dev, "aws_sfn_state_machine", () => true, "arn");
    expect(alarms.filter((a) => a.namespace === "AWS/States").every((a) => a.dimensions.StateMachineArn === machine)).toBe(true);
  });

  it("sums each AWS metric over five minutes, alarms and clears on the topic, and reads no data as fine", () => {
    const alarms = bodies(dev, "aws_cloudwatch_metric_alarm").filter((a) => a.namespace.startsWith("AWS/"));
    for (const a of alarms) {
      expect([a.statistic, a.period, a.evaluation_periods, a.treat_missing_data, a.ok_actions]).toStrictEqual(["Sum", 300, 1, "notBreaching", [topic]]);
    }
    const deadLetters = only(dev, "aws_cloudwatch_metric_alarm", (a) => a.namespace === "AWS/SQS");
    expect(deadLetters.dimensions).toStrictEqual({ QueueName: ref(dev, "aws_sqs_queue", () => true, "name") });
  });

  it("tells in each alarm's description what went wrong", () => {
    const described = Object.fromEntries(bodies(dev, "aws_cloudwatch_metric_alarm").map((a) => [a.metric_name, a.alarm_description]));
    expect(described).toMatchObject({
      ExecutionsFailed: "A pipeline execution failed",
      ExecutionsTimedOut: "A pipeline execution timed out",
      ApproximateNumberOfMessagesVisible: "An S3 event could not start the pipeline and waits in the dead-letter queue",
    });
  });

  it("says which job, run and state failed, and Glue's message, in the failure notice", () => {
    expect(only(dev, "aws_cloudwatch_event_target", (t) => t.arn === topic).input_transformer).toStrictEqual({
      input_paths: { job: "$.detail.jobName", state: "$.detail.state", run: "$.detail.jobRunId", message: "$.detail.message" },
      input_template: '"Glue job <job> run <run> ended <state>: <message>"',
    });
  });

  it("alarms when one pass quarantines more than the configured share of its rows", () => {
    const alarm = only(dev, "aws_cloudwatch_metric_alarm", (a) => a.metric_name === "QuarantineRatio");
    expect(alarm).toMatchObject({
      namespace: "airline-ingest/dev",
      statistic: "Maximum",
      threshold: 0.05,
      comparison_operator: "GreaterThanThreshold",
      treat_missing_data: "notBreaching",
      alarm_actions: [topic],
    });
    expect(alarm.dimensions).toBeUndefined();
    expect(alarm).toMatchObject({ period: 300, evaluation_periods: 1, ok_actions: [topic] });
    expect(alarm.alarm_name).toBe("airline-ingest-dev-monitoring-quarantine-ratio");
    expect(alarm.alarm_description).toContain("more than 5% of its rows");
    const strict = synth("dev", (raw) => (raw.environments.dev.monitoring = { quarantineRatioAlarm: 0.01 }));
    expect(only(strict, "aws_cloudwatch_metric_alarm", (a) => a.metric_name === "QuarantineRatio").threshold).toBe(0.01);
  });

  it("alarms when no flight file was processed for the configured hours, counting hours without a pass as breaching", () => {
    const alarm = only(dev, "aws_cloudwatch_metric_alarm", (a) => a.metric_name === "FilesProcessed");
    expect(alarm).toMatchObject({
      alarm_name: "airline-ingest-dev-monitoring-no-new-files",
      namespace: "airline-ingest/dev",
      statistic: "Sum",
      period: 3600,
      evaluation_periods: 26,
      datapoints_to_alarm: 26,
      threshold: 1,
      comparison_operator: "LessThanThreshold",
      treat_missing_data: "breaching",
      alarm_actions: [ref(dev, "aws_sns_topic", () => true, "arn")],
      ok_actions: [ref(dev, "aws_sns_topic", () => true, "arn")],
    });
    const weekly = synth("dev", (raw) => (raw.environments.dev.monitoring = { expectNewFileWithinHours: 168 }));
    // CloudWatch evaluates hourly periods over at most seven days.
    expect(only(weekly, "aws_cloudwatch_metric_alarm", (a) => a.metric_name === "FilesProcessed").evaluation_periods).toBe(168);
  });

  it("shows executions, passes, durations, rows, the quarantine ratio and dead letters on one dashboard per stack", () => {
    const dashboard = only(dev, "aws_cloudwatch_dashboard");
    expect(dashboard.dashboard_name).toBe("airline-ingest-dev-monitoring-pipeline");
    const widgets = JSON.parse(dashboard.dashboard_body).widgets;
    const metrics = widgets.flatMap((w: Json) => w.properties.metrics.map((m: Json[]) => `${m[0]}/${m[1]}`));
    expect(metrics).toStrictEqual([
      "AWS/States/ExecutionsStarted",
      "AWS/States/ExecutionsSucceeded",
      "AWS/States/ExecutionsFailed",
      "AWS/States/ExecutionsTimedOut",
      "airline-ingest/dev/Passes",
      "airline-ingest/dev/JobRunSeconds",
      "airline-ingest/dev/PassSeconds",
      "airline-ingest/dev/RowsLoaded",
      "airline-ingest/dev/RowsQuarantined",
      "airline-ingest/dev/FilesProcessed",
      "airline-ingest/dev/QuarantineRatio",
      "AWS/SQS/ApproximateNumberOfMessagesVisible",
    ]);
    const machine = ref(dev, "aws_sfn_state_machine", () => true, "arn");
    const dimensionOf = (metric: string) =>
      widgets
        .flatMap((w: Json) => w.properties.metrics)
        .find((m: Json[]) => m[1] === metric)
        .slice(2, 4);
    expect(dimensionOf("ExecutionsStarted")).toStrictEqual(["StateMachineArn", machine]);
    expect(dimensionOf("ApproximateNumberOfMessagesVisible")).toStrictEqual(["QueueName", ref(dev, "aws_sqs_queue", () => true, "name")]);
    expect(widgets.every((w: Json) => w.properties.region === "us-east-1")).toBe(true);
  });

  it("lays the dashboard out two 12 x 6 widgets a row, five-minute points, each with its title and statistic", () => {
    const widgets = JSON.parse(only(dev, "aws_cloudwatch_dashboard").dashboard_body).widgets;
    expect(widgets.map((w: Json) => [w.type, w.x, w.y, w.width, w.height])).toStrictEqual([
      ["metric", 0, 0, 12, 6],
      ["metric", 12, 0, 12, 6],
      ["metric", 0, 6, 12, 6],
      ["metric", 12, 6, 12, 6],
      ["metric", 0, 12, 12, 6],
      ["metric", 12, 12, 12, 6],
      ["metric", 0, 18, 12, 6],
    ]);
    expect(widgets.map((w: Json) => [w.properties.title, w.properties.stat])).toStrictEqual([
      ["Executions", "Sum"],
      ["Passes", "Sum"],
      ["Job run and pass duration (s)", "Maximum"],
      ["Rows per pass", "Sum"],
      ["Files processed per day", "Sum"],
      ["Quarantine ratio (max per pass)", "Maximum"],
      ["Dead-letter queue depth", "Maximum"],
    ]);
    expect(widgets.every((w: Json) => w.properties.period === 300 && w.properties.view === "timeSeries")).toBe(true);
    // Per-metric statistics where a widget mixes them.
    const options = widgets.flatMap((w: Json) => w.properties.metrics).filter((m: Json[]) => typeof m.at(-1) === "object");
    expect(options.map((m: Json[]) => [m[1], m.at(-1).stat])).toStrictEqual([
      ["Passes", "Sum"],
      ["JobRunSeconds", "Maximum"],
      ["PassSeconds", "Maximum"],
      ["RowsLoaded", "Sum"],
      ["RowsQuarantined", "Sum"],
      ["FilesProcessed", "Sum"],
      ["QuarantineRatio", "Maximum"],
    ]);
    // Daily points for the line the no-new-files alarm watches.
    expect(options.find((m: Json[]) => m[1] === "FilesProcessed").at(-1)).toStrictEqual({ stat: "Sum", period: 86400 });
  });

  it("sends Glue job failures to the topic, and the topic lets exactly that rule publish", () => {
    const rule = only(dev, "aws_cloudwatch_event_rule", (r) => r.name.endsWith("glue-job-failed"));
    expect(JSON.parse(rule.event_pattern)).toStrictEqual({
      source: ["aws.glue"],
      "detail-type": ["Glue Job State Change"],
      detail: { jobName: [ref(dev, "aws_glue_job", () => true, "name")], state: ["FAILED", "TIMEOUT", "STOPPED", "ERROR"] },
    });
    expect(only(dev, "aws_cloudwatch_event_target", (t) => t.arn === topic).rule).toBe(
      ref(dev, "aws_cloudwatch_event_rule", (r) => r.name.endsWith("glue-job-failed"), "name"),
    );
    const policy = JSON.parse(only(dev, "aws_sns_topic_policy").policy);
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: "events.amazonaws.com" },
        Action: "sns:Publish",
        Condition: { ArnEquals: { "aws:SourceArn": [ref(dev, "aws_cloudwatch_event_rule", (r) => r.name.endsWith("glue-job-failed"), "arn")] } },
      }),
    );
  });
});
