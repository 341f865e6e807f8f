import { bodies, type Json, synth } from "./support/synth";

/** Every policy document in a stack: IAM role policies, bucket, topic, queue and key policies. */
function policyDocuments(json: Json): Array<{ where: string; doc: Json }> {
  const found: Array<{ where: string; doc: Json }> = [];
  for (const [type, byName] of Object.entries<Record<string, Json>>(json.resource)) {
    for (const [name, body] of Object.entries(byName)) {
      for (const field of ["policy", "assume_role_policy"]) {
        if (typeof body[field] === "string") found.push({ where: `${type}.${name}.${field}`, doc: JSON.parse(body[field]) });
      }
    }
  }
  return found;
}

describe("PipelineStack", () => {
  const dev = synth("dev");

  it("declares exactly the documented outputs", () => {
    expect(Object.keys(dev.output).sort()).toStrictEqual(
      [
        "data_bucket_name",
        "state_machine_arn",
        "glue_job_name",
        "s3_crawler_name",
        "redshift_workgroup_name",
        "redshift_namespace_name",
        "redshift_database_name",
        "redshift_admin_secret_arn",
        "redshift_etl_secret_arn",
        "redshift_copy_role_arn",
        "notification_topic_arn",
        "dashboard_name",
        "pass_lease_table_name",
        "dead_letter_queue_url",
        "ops_query_workgroup",
        "ops_query_database",
        "ops_query_policy_arn",
      ].sort(),
    );
    expect(Object.values<Json>(dev.output).every((o) => o.description)).toBe(true);
  });

  it("gives each output the value of the resource it names", () => {
    const value = (name: string) => dev.output[name].value;
    expect(value("redshift_workgroup_name")).toMatch(/^\$\{aws_redshiftserverless_workgroup\.[^.]+\.workgroup_name\}$/);
    expect(value("redshift_namespace_name")).toMatch(/^\$\{aws_redshiftserverless_namespace\.[^.]+\.namespace_name\}$/);
    expect(value("redshift_admin_secret_arn")).toMatch(/^\$\{aws_redshiftserverless_namespace\.[^.]+\.admin_password_secret_arn\}$/);
    expect(value("redshift_etl_secret_arn")).toMatch(/^\$\{aws_secretsmanager_secret\.[^.]+\.arn\}$/);
    expect(value("redshift_copy_role_arn")).toMatch(/^\$\{aws_iam_role\.warehouse_copy-role.*\.arn\}$/);
    expect(value("data_bucket_name")).toMatch(/^\$\{aws_s3_bucket\.storage_data_[^.]+\.bucket\}$/);
    expect(value("state_machine_arn")).toMatch(/^\$\{aws_sfn_state_machine\.[^.]+\.arn\}$/);
    expect(value("glue_job_name")).toMatch(/^\$\{aws_glue_job\.[^.]+\.name\}$/);
    expect(value("s3_crawler_name")).toMatch(/^\$\{aws_glue_crawler\.catalog_s3-crawler_[^.]+\.name\}$/);
    expect(value("notification_topic_arn")).toMatch(/^\$\{aws_sns_topic\.[^.]+\.arn\}$/);
    expect(value("redshift_database_name")).toBe("dev");
    expect(value("dashboard_name")).toMatch(/^\$\{aws_cloudwatch_dashboard\.[^.]+\.dashboard_name\}$/);
    expect(value("pass_lease_table_name")).toMatch(/^\$\{aws_dynamodb_table\.[^.]+\.name\}$/);
    expect(value("dead_letter_queue_url")).toMatch(/^\$\{aws_sqs_queue\.[^.]+\.url\}$/);
  });

  it("has every layer", () => {
    for (const type of [
      "aws_vpc",
      "aws_s3_bucket",
      "aws_glue_crawler",
      "aws_redshiftserverless_workgroup",
      "aws_glue_job",
      "aws_sfn_state_machine",
      "aws_cloudwatch_event_rule",
      "aws_sns_topic",
      "aws_cloudwatch_metric_alarm",
      "aws_cloudwatch_dashboard",
      "aws_dynamodb_table",
    ]) {
      expect(bodies(dev, type).length).toBeGreaterThan(0);
    }
  });

  it("contains no literal account id and no hard-coded ARN outside service-integration ARNs", () => {
    for (const env of ["dev", "prod"]) {
      const text = JSON.stringify(synth(env).resource);
      // Hex content hashes of assets may hold 12 digits in a row: an account id stands alone.
      expect(text).not.toMatch(/(^|[^0-9A-Fa-f])[0-9]{12}([^0-9A-Fa-f]|$)/);
      const literalArns = text.match(/arn:aws[a-z-]*:[a-z0-9-]+:[^"$]*?:\d{12}/g) ?? [];
      expect(literalArns).toStrictEqual([]);
    }
  });

  it("allows no action `*` or `service:*` in any policy", () => {
    const docs = policyDocuments(dev);
    expect(docs.length).toBeGreaterThan(10);
    for (const { where, doc } of docs) {
      for (const statement of [].concat(doc.Statement) as Json[]) {
        // A Deny of s3:* / sns:Publish without TLS is the standard TLS-only guard, not a grant.
        if (statement.Effect !== "Allow") continue;
        for (const action of [].concat(statement.Action)) {
          expect({ where, action }).not.toStrictEqual({ where, action: expect.stringMatching(/^(\*|[a-z0-9-]+:\*)$/) });
        }
      }
    }
  });

  it("names every resource from the project prefix and environment", () => {
    // Inline role policies are named by concern inside their role, catalog tables inside their database; every AWS
    // resource name carries the prefix.
    const named = Object.entries<Record<string, Json>>(dev.resource)
      .filter(([type]) => type !== "aws_iam_role_policy" && type !== "aws_glue_catalog_table")
      .flatMap(([, byName]) => Object.values(byName))
      .flatMap((b) =>
        [b.name, b.bucket_prefix, b.alarm_name, b.workgroup_name, b.namespace_name, b.tags?.Name].filter((n) => typeof n === "string" && !n.includes("${")),
      );
    expect(named.length).toBeGreaterThan(40);
    for (const n of named) expect(n).toMatch(/airline[-_/]ingest[-_/]dev/);
  });

  it("keeps local state outside cdktf.out by default and uses one Terraform Cloud workspace per stack when configured", () => {
    expect(dev.terraform.backend).toStrictEqual({ local: { path: "../../../terraform.dev.tfstate" } });
    const cloud = synth("prod", (raw) => (raw.backend = { type: "cloud", organization: "acme-data" }));
    expect(cloud.terraform.cloud).toStrictEqual({ hostname: "app.terraform.io", organization: "acme-data", workspaces: { name: "airline-ingest-prod" } });
    expect(cloud.terraform.backend).toBeUndefined();
    const s3 = synth("prod", (raw) => (raw.backend = { type: "s3", bucket: "acme-terraform-state", region: "eu-west-1" }));
    expect(s3.terraform.backend).toStrictEqual({
      s3: { bucket: "acme-terraform-state", region: "eu-west-1", key: "terraform/airline-ingest-prod.tfstate", encrypt: true, use_lockfile: true },
    });
    // A DynamoDB lock table, where one is named, replaces S3-native locking.
    const locked = synth("prod", (raw) => (raw.backend = { type: "s3", bucket: "acme-terraform-state", region: "eu-west-1", dynamodbTable: "tf-locks" }));
    expect(locked.terraform.backend.s3).toMatchObject({ dynamodb_table: "tf-locks", encrypt: true });
    expect(locked.terraform.backend.s3.use_lockfile).toBeUndefined();
  });

  it("configures the provider for the environment's region and tags everything with project, environment and the config's tags", () => {
    expect(dev.provider.aws).toStrictEqual([{ region: "us-east-1", default_tags: [{ tags: { project: "airline-ingest", environment: "dev" } }] }]);
    const tagged = synth("dev", (raw) => (raw.environments.dev.tags = { team: "data" }));
    expect(tagged.provider.aws[0].default_tags).toStrictEqual([{ tags: { project: "airline-ingest", environment: "dev", team: "data" } }]);
  });
});
