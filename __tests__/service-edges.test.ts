import { bodies, type Json, ref, roleStatements, synth } from "./support/synth";

/**
 * Every service-to-service edge of a synthesized stack, with what AWS requires for it on each side: the caller's
 * identity policy, the target's resource policy, and the key policy of the key the target is encrypted with. One row
 * per edge, each with the documentation it rests on; a row returns the problems it finds (none: the edge holds).
 * Offline this is the only place these cross-service facts are checked; AWS checks them at the first real run.
 */
interface Edge {
  readonly edge: string;
  readonly doc: string;
  readonly problems: (s: Stack) => string[];
}

type Stack = { json: Json; key: string; topic: string; machine: string; statementsOf: (role: string) => Json[] };

const KEY_USE = ["kms:GenerateDataKey", "kms:Decrypt"];

/** Problems when `role` is not allowed every action on the resource (optionally only with `condition`). */
function identity(s: Stack, role: string, actions: string[], resource: string, condition?: Json): string[] {
  const statements = s.statementsOf(role);
  return actions
    .filter(
      (action) =>
        !statements.some(
          (st) =>
            st.Effect === "Allow" &&
            [].concat(st.Action).includes(action as never) &&
            [].concat(st.Resource).some((r: string) => r === resource || (r.endsWith("*") && resource.startsWith(r.slice(0, -1)))) &&
            (!condition || JSON.stringify(st.Condition) === JSON.stringify(condition)),
        ),
    )
    .map((action) => `${role}: no ${action} on ${resource}${condition ? ` under ${JSON.stringify(condition)}` : ""}`);
}

/** The statements of the key policy that allow a service principal every one of `actions`. */
function keyGrants(s: Stack, service: string, actions: string[]): Json[] {
  const policy = JSON.parse(bodies(s.json, "aws_kms_key_policy")[0].policy);
  return policy.Statement.filter(
    (st: Json) =>
      st.Effect === "Allow" &&
      [].concat(st.Principal?.Service ?? []).includes(service as never) &&
      actions.every((a) => [].concat(st.Action).includes(a as never)),
  );
}

function keyPolicy(s: Stack, service: string, actions: string[], forbid: { sourceConditions?: boolean } = {}): string[] {
  const grants = keyGrants(s, service, actions);
  if (!grants.length) return [`key policy: ${service} may not ${actions.join(", ")}`];
  const withSource = grants.filter((g) => /aws:Source(Account|Arn)/.test(JSON.stringify(g.Condition ?? {})));
  return forbid.sourceConditions && withSource.length ? [`key policy: ${service}'s grant is conditioned on aws:Source*, which its requests do not carry`] : [];
}

/** Problems when a resource policy (SNS topic, SQS queue) does not let `service` do `action` from exactly `sources`. */
function resourcePolicy(policyJson: string, what: string, service: string, action: string, sources: string[]): string[] {
  const policy = JSON.parse(policyJson);
  const grant = policy.Statement.find((st: Json) => st.Effect === "Allow" && st.Principal?.Service === service && st.Action === action);
  if (!grant) return [`${what} policy: ${service} may not ${action} (a resource policy replaces the default one)`];
  const allowed = [].concat(grant.Condition?.ArnEquals?.["aws:SourceArn"] ?? []);
  const missing = sources.filter((src) => !allowed.includes(src as never));
  return missing.map((src) => `${what} policy: ${service} may not ${action} for ${src}`);
}

const arnsOf = (s: Stack, type: string, match: (b: Json) => boolean = () => true) =>
  Object.entries<Json>(s.json.resource[type] ?? {})
    .filter(([, b]) => match(b))
    .map(([name]) => `\${${type}.${name}.arn}`);

const SFN_KMS = "https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html";
const SNS_KMS = "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services";

const EDGES: readonly Edge[] = [
  {
    edge: "EventBridge -> Step Functions (StartExecution of a machine encrypted with the stack's key)",
    doc: SFN_KMS,
    problems: (s) => [
      ...identity(s, "trigger-start-pipeline", ["states:StartExecution"], s.machine),
      ...identity(s, "trigger-start-pipeline", KEY_USE, s.key, { StringEquals: { "kms:EncryptionContext:aws:states:stateMachineArn": s.machine } }),
    ],
  },
  {
    edge: "Step Functions -> its own definition and history (the machine's key)",
    doc: SFN_KMS,
    problems: (s) => identity(s, "orchestration-pipeline", KEY_USE, s.key),
  },
  {
    edge: "Step Functions -> DynamoDB (lease table, encrypted with the stack's key)",
    doc: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html",
    problems: (s) => [
      ...identity(
        s,
        "orchestration-pipeline",
        ["dynamodb:UpdateItem"],
        ref(s.json, "aws_dynamodb_table", () => true, "arn"),
      ),
      ...identity(s, "orchestration-pipeline", KEY_USE, s.key),
    ],
  },
  {
    edge: "Step Functions -> Glue (crawler, and the job through startJobRun.sync)",
    doc: "https://docs.aws.amazon.com/step-functions/latest/dg/glue-iam.html",
    problems: (s) => [
      ...identity(
        s,
        "orchestration-pipeline",
        ["glue:StartCrawler", "glue:GetCrawler"],
        ref(s.json, "aws_glue_crawler", (b) => !!b.s3_target, "arn"),
      ),
      ...identity(
        s,
        "orchestration-pipeline",
        ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"],
        ref(s.json, "aws_glue_job", () => true, "arn"),
      ),
    ],
  },
  {
    edge: "Step Functions -> S3 (the run report, SSE-KMS)",
    doc: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#require-sse-kms",
    problems: (s) => [
      ...identity(
        s,
        "orchestration-pipeline",
        ["s3:GetObject"],
        `${ref(s.json, "aws_s3_bucket", (b) => b.bucket_prefix.includes("-data-"), "arn")}/reports/runs/x.json`,
      ),
      ...identity(s, "orchestration-pipeline", ["kms:Decrypt"], s.key),
    ],
  },
  {
    edge: "Step Functions -> SNS (the pass's message to an encrypted topic)",
    doc: SNS_KMS,
    problems: (s) => [...identity(s, "orchestration-pipeline", ["sns:Publish"], s.topic), ...identity(s, "orchestration-pipeline", KEY_USE, s.key)],
  },
  {
    edge: "Step Functions -> itself (look up the lease owner, start a successor)",
    doc: "https://docs.aws.amazon.com/step-functions/latest/dg/stepfunctions-iam.html",
    problems: (s) => identity(s, "orchestration-pipeline", ["states:StartExecution"], s.machine),
  },
  {
    edge: "CloudWatch alarms -> SNS (every alarm, through the topic policy and the key)",
    doc: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-encrypted-topics",
    problems: (s) => [
      ...resourcePolicy(
        bodies(s.json, "aws_sns_topic_policy")[0].policy,
        "topic",
        "cloudwatch.amazonaws.com",
        "sns:Publish",
        arnsOf(s, "aws_cloudwatch_metric_alarm"),
      ),
      ...keyPolicy(s, "cloudwatch.amazonaws.com", KEY_USE),
    ],
  },
  {
    edge: "EventBridge -> SNS (the Glue job-failed rule, encrypted topic)",
    doc: SNS_KMS,
    problems: (s) => [
      ...resourcePolicy(
        bodies(s.json, "aws_sns_topic_policy")[0].policy,
        "topic",
        "events.amazonaws.com",
        "sns:Publish",
        arnsOf(s, "aws_cloudwatch_event_rule", (b) => b.name.includes("job-failed")),
      ),
      ...keyPolicy(s, "events.amazonaws.com", KEY_USE, { sourceConditions: true }),
    ],
  },
  {
    edge: "EventBridge -> SQS (the rules' dead-letter queue, encrypted)",
    doc: "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html#eb-dlq-perms",
    problems: (s) => [
      ...resourcePolicy(
        bodies(s.json, "aws_sqs_queue_policy")[0].policy,
        "queue",
        "events.amazonaws.com",
        "sqs:SendMessage",
        arnsOf(s, "aws_cloudwatch_event_rule", (b) => !b.name.includes("job-failed")),
      ),
      ...keyPolicy(s, "events.amazonaws.com", KEY_USE, { sourceConditions: true }),
    ],
  },
  {
    edge: "CloudWatch Logs -> KMS (every encrypted group, created only after the key policy allows it)",
    doc: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
    problems: (s) => {
      const policy = ref(s.json, "aws_kms_key_policy", () => true, "id").replace(/^\$\{(.*)\.id\}$/, "$1");
      const early = bodies(s.json, "aws_cloudwatch_log_group").filter((g) => !(g.depends_on ?? []).includes(policy));
      return [
        ...keyPolicy(s, `logs.${s.json.provider.aws[0].region}.amazonaws.com`, ["kms:Encrypt", "kms:Decrypt"]),
        ...early.map((g) => `log group ${g.name} may be created before the key policy`),
      ];
    },
  },
  {
    edge: "Log delivery -> KMS (Step Functions execution logs into an encrypted group)",
    doc: "https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html",
    problems: (s) => keyPolicy(s, "delivery.logs.amazonaws.com", ["kms:Decrypt"]),
  },
  {
    edge: "Glue job -> S3, KMS, Secrets Manager (flights, staging, its database user)",
    doc: "https://docs.aws.amazon.com/glue/latest/dg/create-an-iam-role.html",
    problems: (s) => [
      ...identity(
        s,
        "etl-flights-ingest",
        ["s3:GetObject"],
        `${ref(s.json, "aws_s3_bucket", (b) => b.bucket_prefix.includes("-data-"), "arn")}/daily_flights/date=2001-01-01/f.csv`,
      ),
      ...identity(s, "etl-flights-ingest", ["kms:Decrypt", "kms:GenerateDataKey"], s.key),
      ...identity(
        s,
        "etl-flights-ingest",
        ["secretsmanager:GetSecretValue"],
        ref(s.json, "aws_secretsmanager_secret", () => true, "arn"),
      ),
    ],
  },
  {
    edge: "Crawlers -> KMS and Secrets Manager (encrypted catalog, the JDBC crawler's user)",
    doc: "https://docs.aws.amazon.com/glue/latest/dg/crawler-prereqs.html",
    problems: (s) => [
      ...identity(s, "catalog-s3-crawler", ["kms:Decrypt"], s.key),
      ...identity(s, "catalog-jdbc-crawler", ["kms:Decrypt"], s.key),
      ...identity(
        s,
        "catalog-jdbc-crawler",
        ["secretsmanager:GetSecretValue"],
        ref(s.json, "aws_secretsmanager_secret", () => true, "arn"),
      ),
    ],
  },
  {
    edge: "Redshift -> S3 and KMS (COPY through the namespace role)",
    doc: "https://docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-access-permissions.html",
    problems: (s) => [
      ...identity(
        s,
        "warehouse-s3-access",
        ["s3:GetObject"],
        `${ref(s.json, "aws_s3_bucket", (b) => b.bucket_prefix.includes("-data-"), "arn")}/airport_codes/airport_codes.csv`,
      ),
      ...identity(s, "warehouse-s3-access", ["kms:Decrypt"], s.key),
    ],
  },
];

function stackOf(env: string): Stack {
  const json = synth(env);
  return {
    json,
    key: ref(json, "aws_kms_key", () => true, "arn"),
    topic: ref(json, "aws_sns_topic", () => true, "arn"),
    machine: ref(json, "aws_sfn_state_machine", () => true, "arn"),
    statementsOf: (role) => roleStatements(json, role),
  };
}

describe("service-to-service edges of the synthesized stack", () => {
  it.each(["dev", "prod"])("%s: every edge has its identity, resource and key policy", (env) => {
    const s = stackOf(env);
    expect(EDGES.flatMap((e) => e.problems(s).map((p) => `${e.edge}: ${p}`))).toStrictEqual([]);
  });

  it("cites AWS's documentation for every edge", () => {
    for (const e of EDGES) expect([e.edge, e.doc]).toStrictEqual([e.edge, expect.stringMatching(/^https:\/\/docs\.aws\.amazon\.com\//)]);
  });

  it("finds a missing grant on each side: identity, resource policy, key policy, ordering", () => {
    const s = stackOf("dev");
    const edge = (name: string) => EDGES.find((e) => e.edge.startsWith(name)) as Edge;
    const without = (type: string, change: (body: Json) => void): Stack => {
      const json = structuredClone(s.json);
      for (const body of Object.values<Json>(json.resource[type])) change(body);
      return { ...stackOf("dev"), json, statementsOf: (role) => roleStatements(json, role) };
    };
    const dropStatement = (sid: string) => (b: Json) => {
      const doc = JSON.parse(b.policy);
      doc.Statement = doc.Statement.filter((st: Json) => st.Sid !== sid);
      b.policy = JSON.stringify(doc);
    };
    expect(edge("EventBridge -> Step Functions").problems(without("aws_iam_role_policy", dropStatement("EncryptExecutionInput")))).toHaveLength(2);
    expect(edge("CloudWatch alarms").problems(without("aws_sns_topic_policy", dropStatement("PipelineAlarmsPublish")))[0]).toMatch(/topic policy: cloudwatch/);
    const conditioned = without("aws_kms_key_policy", (b) => {
      const doc = JSON.parse(b.policy);
      for (const st of doc.Statement) if (st.Principal?.Service === "events.amazonaws.com") st.Condition = { StringEquals: { "aws:SourceAccount": "x" } };
      b.policy = JSON.stringify(doc);
    });
    expect(edge("EventBridge -> SNS").problems(conditioned)).toStrictEqual([expect.stringMatching(/aws:Source\*/)]);
    expect(edge("Log delivery").problems(without("aws_kms_key_policy", dropStatement("LogDeliveryWritesEncryptedGroups")))).toHaveLength(1);
    expect(edge("CloudWatch Logs").problems(without("aws_cloudwatch_log_group", (g) => delete g.depends_on))).toHaveLength(4);
  });
});
