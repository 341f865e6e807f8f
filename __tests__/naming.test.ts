import { ResourceNames } from "../modules/naming";
import { type Json, synth } from "./support/synth";

describe("ResourceNames", () => {
  const names = new ResourceNames("airline-ingest", "dev");

  it("derives every name from project, environment, layer and purpose", () => {
    expect(names.prefix).toBe("airline-ingest-dev");
    expect(names.name("etl", "flights-ingest", "glue")).toBe("airline-ingest-dev-etl-flights-ingest");
    expect(names.name("catalog", "airlines", "glueDatabase")).toBe("airline_ingest_dev_catalog_airlines");
    expect(names.bucketPrefix("data")).toBe("airline-ingest-dev-data-");
  });

  it("rejects a name over AWS's limit, naming it and the limit", () => {
    const long = new ResourceNames("a-very-long-project", "staging1");
    expect(() => long.name("orchestration", "pipeline-with-a-long-purpose", "iamRole")).toThrow(/is 71 characters; AWS allows 64/);
    expect(() => long.bucketPrefix("access-logs-extra")).toThrow(/bucketPrefix.*AWS allows 37/);
  });

  it.each([
    ["dynamodbTable", 255],
    ["dashboard", 255],
    ["stateMachine", 80],
    ["eventRule", 64],
    ["sqsQueue", 80],
    ["snsTopic", 256],
    ["redshift", 64],
    ["glue", 255],
    ["generic", 255],
  ] as const)("takes a %s name of exactly its limit (%d characters) and refuses one more", (kind, limit) => {
    const at = new ResourceNames("p", "e");
    const fill = (n: number) => "x".repeat(n - "p-e-l-".length);
    expect(at.name("l", fill(limit), kind)).toHaveLength(limit);
    expect(() => at.name("l", fill(limit + 1), kind)).toThrow(`is ${limit + 1} characters; AWS allows ${limit}`);
  });

  it("refuses characters a kind does not allow, naming the rule", () => {
    expect(() => names.name("monitoring", "a.b", "dashboard")).toThrow(/does not match/);
    expect(() => names.name("orchestration", "a/b", "dynamodbTable")).toThrow(/does not match/);
    expect(names.name("orchestration", "a.b_c", "dynamodbTable")).toBe("airline-ingest-dev-orchestration-a.b_c");
    expect(() => names.name("x", "a b")).toThrow(/does not match/);
  });

  it("gives each stack its own metrics namespace, never one of AWS's", () => {
    expect(names.metricsNamespace).toBe("airline-ingest/dev");
    expect(new ResourceNames("p2", "prod").metricsNamespace).toBe("p2/prod");
    expect(() => new ResourceNames("AWS", "x").metricsNamespace).toThrow(/does not match/);
    expect(new ResourceNames("a".repeat(251), "env").metricsNamespace).toHaveLength(255);
    expect(() => new ResourceNames("a".repeat(252), "env").metricsNamespace).toThrow("is 256 characters; AWS allows 255");
  });
});

describe("names in the synthesized stack", () => {
  const NAMED = ["name", "bucket_prefix", "namespace_name", "workgroup_name", "dashboard_name", "alarm_name"];

  /** Every name a resource of the dev stack gets (tags' Name included), as `type.attribute = value`, sorted. */
  function namesOf(stack: Json): string[] {
    const found: string[] = [];
    for (const [type, byId] of Object.entries<Record<string, Json>>(stack.resource)) {
      for (const body of Object.values(byId)) {
        for (const attribute of NAMED)
          if (typeof body[attribute] === "string" && !body[attribute].startsWith("${")) found.push(`${type}.${attribute} = ${body[attribute]}`);
        if (body.tags?.Name) found.push(`${type}.tags.Name = ${body.tags.Name}`);
      }
    }
    return found.sort();
  }

  // Operators, the scripts and the runbook find resources by these names; a changed one is a renamed (replaced)
  // resource. Policy names are the inline policies' keys: a changed one replaces the policy.
  it("names every resource of an environment from project, environment, layer and purpose", () => {
    expect(namesOf(synth("dev"))).toStrictEqual([
      "aws_athena_workgroup.name = airline-ingest-dev-ops-queries",
      "aws_cloudwatch_dashboard.dashboard_name = airline-ingest-dev-monitoring-pipeline",
      "aws_cloudwatch_event_rule.name = airline-ingest-dev-monitoring-glue-job-failed",
      "aws_cloudwatch_event_rule.name = airline-ingest-dev-trigger-flights-uploaded",
      "aws_cloudwatch_event_rule.name = airline-ingest-dev-trigger-scheduled",
      "aws_cloudwatch_log_group.name = /airline-ingest/dev/glue/flights-ingest/error",
      "aws_cloudwatch_log_group.name = /airline-ingest/dev/glue/flights-ingest/output",
      "aws_cloudwatch_log_group.name = /airline-ingest/dev/vpc/flow-logs",
      "aws_cloudwatch_log_group.name = /aws/vendedlogs/states/airline-ingest-dev-orchestration-pipeline",
      "aws_cloudwatch_metric_alarm.alarm_name = airline-ingest-dev-monitoring-dead-letters",
      "aws_cloudwatch_metric_alarm.alarm_name = airline-ingest-dev-monitoring-executions-failed",
      "aws_cloudwatch_metric_alarm.alarm_name = airline-ingest-dev-monitoring-executions-timed-out",
      "aws_cloudwatch_metric_alarm.alarm_name = airline-ingest-dev-monitoring-no-new-files",
      "aws_cloudwatch_metric_alarm.alarm_name = airline-ingest-dev-monitoring-quarantine-ratio",
      "aws_default_security_group.tags.Name = airline-ingest-dev-network-default-unused",
      "aws_dynamodb_table.name = airline-ingest-dev-orchestration-pass-lease",
      "aws_glue_catalog_database.name = airline_ingest_dev_catalog_airlines",
      "aws_glue_catalog_database.name = airline_ingest_dev_ops_queries",
      "aws_glue_catalog_table.name = quarantine",
      "aws_glue_catalog_table.name = run_reports",
      "aws_glue_connection.name = airline-ingest-dev-catalog-redshift",
      "aws_glue_crawler.name = airline-ingest-dev-catalog-daily-flights",
      "aws_glue_crawler.name = airline-ingest-dev-catalog-redshift-tables",
      "aws_glue_job.name = airline-ingest-dev-etl-flights-ingest",
      "aws_glue_security_configuration.name = airline-ingest-dev-catalog-encrypted",
      "aws_iam_policy.name = airline-ingest-dev-ops-query",
      "aws_iam_role.name = airline-ingest-dev-catalog-jdbc-crawler",
      "aws_iam_role.name = airline-ingest-dev-catalog-s3-crawler",
      "aws_iam_role.name = airline-ingest-dev-etl-flights-ingest",
      "aws_iam_role.name = airline-ingest-dev-network-flow-logs",
      "aws_iam_role.name = airline-ingest-dev-orchestration-pipeline",
      "aws_iam_role.name = airline-ingest-dev-trigger-start-pipeline",
      "aws_iam_role.name = airline-ingest-dev-warehouse-s3-access",
      "aws_iam_role_policy.name = catalog",
      "aws_iam_role_policy.name = catalog",
      "aws_iam_role_policy.name = catalog",
      "aws_iam_role_policy.name = connection",
      "aws_iam_role_policy.name = crawler",
      "aws_iam_role_policy.name = deliver",
      "aws_iam_role_policy.name = job",
      "aws_iam_role_policy.name = lease",
      "aws_iam_role_policy.name = logs-and-key",
      "aws_iam_role_policy.name = logs-and-key",
      "aws_iam_role_policy.name = logs-and-tracing",
      "aws_iam_role_policy.name = logs-metrics-key",
      "aws_iam_role_policy.name = metrics",
      "aws_iam_role_policy.name = notify",
      "aws_iam_role_policy.name = own-executions",
      "aws_iam_role_policy.name = read-code-and-flights",
      "aws_iam_role_policy.name = read-data",
      "aws_iam_role_policy.name = read-flights",
      "aws_iam_role_policy.name = redshift-connection",
      "aws_iam_role_policy.name = report",
      "aws_iam_role_policy.name = start-execution",
      "aws_iam_role_policy.name = unload-temp",
      "aws_iam_role_policy.name = use-key",
      "aws_iam_role_policy.name = write-temp-quarantine-reports",
      "aws_kms_alias.name = alias/airline-ingest-dev-security-data",
      "aws_redshiftserverless_namespace.namespace_name = airline-ingest-dev-warehouse-ns",
      "aws_redshiftserverless_workgroup.workgroup_name = airline-ingest-dev-warehouse-wg",
      "aws_route_table.tags.Name = airline-ingest-dev-network-private",
      "aws_s3_bucket.bucket_prefix = airline-ingest-dev-data-",
      "aws_s3_bucket.bucket_prefix = airline-ingest-dev-s3-logs-",
      "aws_secretsmanager_secret.name = airline-ingest-dev-warehouse-etl-user",
      "aws_security_group.name = airline-ingest-dev-network-endpoints",
      "aws_security_group.name = airline-ingest-dev-network-glue",
      "aws_security_group.name = airline-ingest-dev-network-redshift",
      "aws_security_group.tags.Name = airline-ingest-dev-network-endpoints",
      "aws_security_group.tags.Name = airline-ingest-dev-network-glue",
      "aws_security_group.tags.Name = airline-ingest-dev-network-redshift",
      "aws_sfn_state_machine.name = airline-ingest-dev-orchestration-pipeline",
      "aws_sns_topic.name = airline-ingest-dev-notifications-pipeline",
      "aws_sqs_queue.name = airline-ingest-dev-trigger-dead-letters",
      "aws_subnet.tags.Name = airline-ingest-dev-network-private-us-east-1a",
      "aws_subnet.tags.Name = airline-ingest-dev-network-private-us-east-1b",
      "aws_subnet.tags.Name = airline-ingest-dev-network-private-us-east-1c",
      "aws_vpc.tags.Name = airline-ingest-dev-network-vpc",
      "aws_vpc_endpoint.tags.Name = airline-ingest-dev-network-glue",
      "aws_vpc_endpoint.tags.Name = airline-ingest-dev-network-kms",
      "aws_vpc_endpoint.tags.Name = airline-ingest-dev-network-logs",
      "aws_vpc_endpoint.tags.Name = airline-ingest-dev-network-monitoring",
      "aws_vpc_endpoint.tags.Name = airline-ingest-dev-network-s3",
      "aws_vpc_endpoint.tags.Name = airline-ingest-dev-network-secretsmanager",
      "aws_vpc_endpoint.tags.Name = airline-ingest-dev-network-sts",
    ]);
  });

  it("describes every resource that takes a description in words", () => {
    const described = Object.values<Record<string, Json>>(synth("dev").resource)
      .flatMap((byId) => Object.values(byId))
      .filter((b) => "description" in b);
    expect(described.length).toBeGreaterThanOrEqual(26);
    for (const body of described) expect(body.description).toMatch(/\w{2,} \w+/);
  });
});
