import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { policyDocument } from "../modules/iam";
import { bodies, type Json, synth } from "./support/synth";

/**
 * Statements where AWS offers no resource-level permission, so Resource must be "*", with AWS's reason.
 * Anything else with "*" fails the walk.
 */
const AWS_REQUIRES_STAR: Record<string, string> = {
  DescribeVpcForGlueConnection: "ec2:Describe* actions support no resource-level permissions",
  JobMetrics: "cloudwatch:PutMetricData supports no resource-level permissions (limited to the Glue namespace by condition)",
  PassMetrics: "cloudwatch:PutMetricData supports no resource-level permissions (limited to the stack's namespace by condition)",
  LogDelivery: "CloudWatch Logs vended-log delivery actions (Step Functions logging) support no resource-level permissions",
  XRayTracing: "X-Ray trace and sampling actions support no resource-level permissions",
  FindFlowLogGroup: "logs:DescribeLogGroups lists groups and takes no log-group resource",
};

interface Finding {
  readonly where: string;
  readonly sid: string;
  readonly problem: string;
}

/** Walks every IAM role policy of a synthesized stack; KMS key policies use "*" to mean "this key" and are skipped. */
function walkIamPolicies(stack: Json): { findings: Finding[]; starred: string[] } {
  const findings: Finding[] = [];
  const starred: string[] = [];
  for (const [name, body] of Object.entries<Json>(stack.resource.aws_iam_role_policy ?? {})) {
    for (const s of [].concat(JSON.parse(body.policy).Statement) as Json[]) {
      const where = `aws_iam_role_policy.${name}`;
      for (const action of [].concat(s.Action) as string[]) {
        if (action === "*" || /^[a-z0-9-]+:\*$/.test(action)) findings.push({ where, sid: s.Sid, problem: `wildcard action ${action}` });
      }
      if (([].concat(s.Resource) as string[]).includes("*")) {
        if (AWS_REQUIRES_STAR[s.Sid]) starred.push(s.Sid);
        else findings.push({ where, sid: s.Sid, problem: `Resource "*" without an AWS reason` });
      }
      for (const r of [].concat(s.Resource) as string[]) {
        if (r !== "*" && !r.includes("${")) findings.push({ where, sid: s.Sid, problem: `literal resource ${r} instead of a reference` });
      }
      // Listing a bucket shows every key in it: each ListBucket is limited to the prefixes the role works on.
      const prefixes = s.Condition?.StringLike?.["s3:prefix"] ?? s.Condition?.StringEquals?.["s3:prefix"];
      if (
        ([].concat(s.Action) as string[]).includes("s3:ListBucket") &&
        !(Array.isArray(prefixes) && prefixes.length && prefixes.every((p: string) => p !== "*"))
      ) {
        findings.push({ where, sid: s.Sid, problem: "s3:ListBucket without an s3:prefix condition" });
      }
      // A statement without its Sid cannot be told apart in a review or an access-denied investigation.
      if (!s.Sid) findings.push({ where, sid: "", problem: "statement without a Sid" });
      // Metrics can be written to any namespace, AWS's own included, unless a condition names one.
      if (([].concat(s.Action) as string[]).includes("cloudwatch:PutMetricData") && !s.Condition?.StringEquals?.["cloudwatch:namespace"]) {
        findings.push({ where, sid: s.Sid, problem: "cloudwatch:PutMetricData without a cloudwatch:namespace condition" });
      }
    }
  }
  return { findings, starred };
}

describe("IAM walk over every synthesized stack", () => {
  it.each(["dev", "prod"])("%s: no wildcard action, every resource a reference, '*' only where AWS requires it", (env) => {
    const { findings, starred } = walkIamPolicies(synth(env));
    expect(findings).toStrictEqual([]);
    expect([...new Set(starred)].sort()).toStrictEqual(Object.keys(AWS_REQUIRES_STAR).sort());
  });

  it("lets each role be assumed by its own service only, and only with sts:AssumeRole", () => {
    const trust = bodies(synth("dev"), "aws_iam_role").map((r) => {
      const [statement, ...more] = JSON.parse(r.assume_role_policy).Statement;
      return `${r.name.replace("airline-ingest-dev-", "")} <- ${statement.Effect} ${statement.Action} ${statement.Principal.Service.join(" ")}${more.length ? " + more" : ""}`;
    });
    expect(trust.sort()).toStrictEqual([
      "catalog-jdbc-crawler <- Allow sts:AssumeRole glue.amazonaws.com",
      "catalog-s3-crawler <- Allow sts:AssumeRole glue.amazonaws.com",
      "etl-flights-ingest <- Allow sts:AssumeRole glue.amazonaws.com",
      "network-flow-logs <- Allow sts:AssumeRole vpc-flow-logs.amazonaws.com",
      "orchestration-pipeline <- Allow sts:AssumeRole states.amazonaws.com",
      "trigger-start-pipeline <- Allow sts:AssumeRole events.amazonaws.com",
      "warehouse-s3-access <- Allow sts:AssumeRole redshift.amazonaws.com redshift-serverless.amazonaws.com",
    ]);
  });

  it("fails when a wildcard action or an unscoped resource is introduced", () => {
    const stack = structuredClone(synth("dev"));
    const [name, body] = Object.entries<Json>(stack.resource.aws_iam_role_policy)[0];
    const doc = JSON.parse(body.policy);
    doc.Statement.push({ Sid: "Sneaky", Effect: "Allow", Action: "s3:*", Resource: "*" });
    stack.resource.aws_iam_role_policy[name] = { ...body, policy: JSON.stringify(doc) };
    expect(walkIamPolicies(stack).findings).toStrictEqual([
      { where: `aws_iam_role_policy.${name}`, sid: "Sneaky", problem: "wildcard action s3:*" },
      { where: `aws_iam_role_policy.${name}`, sid: "Sneaky", problem: 'Resource "*" without an AWS reason' },
    ]);
  });

  it("fails when metrics may be written outside the stack's namespace", () => {
    const stack = structuredClone(synth("dev"));
    const [name, body] = Object.entries<Json>(stack.resource.aws_iam_role_policy).find(([, b]) => b.policy.includes("PassMetrics")) ?? [];
    const doc = JSON.parse(body.policy);
    delete doc.Statement[0].Condition;
    stack.resource.aws_iam_role_policy[name as string] = { ...body, policy: JSON.stringify(doc) };
    expect(walkIamPolicies(stack).findings).toStrictEqual([
      { where: `aws_iam_role_policy.${name}`, sid: "PassMetrics", problem: "cloudwatch:PutMetricData without a cloudwatch:namespace condition" },
    ]);
  });

  it("names every statement, once per policy", () => {
    for (const body of Object.values<Json>(synth("dev").resource.aws_iam_role_policy)) {
      const sids = JSON.parse(body.policy).Statement.map((s: Json) => s.Sid);
      expect(new Set(sids).size).toBe(sids.length);
    }
  });

  it("refuses, at synth, a '*' resource written without AWS's reason", () => {
    expect(() => policyDocument([{ sid: "Lazy", actions: ["s3:GetObject"], resources: ["*"] }])).toThrow(
      'IAM statement "Lazy" uses Resource "*" without a wildcardReason',
    );
  });
});

describe("parliament (in npm test)", () => {
  const run = (resources: Json) => {
    const stacks = mkdtempSync(join(tmpdir(), "parliament-"));
    mkdirSync(join(stacks, "bad"));
    writeFileSync(join(stacks, "bad", "cdk.tf.json"), JSON.stringify({ resource: resources }));
    return spawnSync(process.execPath, [join(__dirname, "..", "scripts", "tooling", "parliament.mjs")], {
      encoding: "utf8",
      env: { ...process.env, CDKTF_STACKS_DIR: stacks },
    });
  };
  const rolePolicy = (statement: Json) => ({
    aws_s3_bucket: { data: { bucket_prefix: "airline-ingest-dev-data-" } },
    aws_iam_role_policy: { copy: { policy: policyDocument([statement]) } },
  });

  it("finds a grant that can never apply: GetBucketLocation under an s3:prefix condition its requests do not carry", () => {
    const r = run(
      rolePolicy({
        sid: "ListLoadablePrefixes",
        actions: ["s3:ListBucket", "s3:GetBucketLocation"],
        resources: ["${aws_s3_bucket.data.arn}"],
        conditions: { StringLike: { "s3:prefix": ["airport_codes/*"] } },
      }),
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('bad: aws_iam_role_policy.copy: UNKNOWN_CONDITION_FOR_ACTION "Unknown condition s3:prefix for action s3:GetBucketLocation"');
  }, 120_000);

  it("passes the split statements, and a key policy's '*' (the key itself) as accepted", () => {
    const r = run({
      ...rolePolicy({ sid: "LocateDataBucket", actions: ["s3:GetBucketLocation"], resources: ["${aws_s3_bucket.data.arn}"] }),
      aws_kms_key_policy: {
        key: {
          policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "kms:Decrypt", Resource: "*" }],
          }),
        },
      },
    });
    expect(r.stdout).toContain("parliament: 0 finding(s) over 1 stack(s)");
    expect(r.status).toBe(0);
  }, 120_000);
});

describe("checkov (in npm test)", () => {
  it("fails on a new finding", () => {
    const stacks = mkdtempSync(join(tmpdir(), "checkov-"));
    mkdirSync(join(stacks, "bad"));
    writeFileSync(
      join(stacks, "bad", "cdk.tf.json"),
      JSON.stringify({
        resource: {
          aws_s3_bucket: { open: { bucket_prefix: "x-" } },
          aws_security_group: { ssh: { name: "ssh", ingress: [{ from_port: 22, to_port: 22, protocol: "tcp", cidr_blocks: ["0.0.0.0/0"] }] } },
        },
      }),
    );
    const r = spawnSync(process.execPath, [join(__dirname, "..", "scripts", "tooling", "checkov.mjs")], {
      encoding: "utf8",
      env: { ...process.env, CDKTF_STACKS_DIR: stacks },
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/FAILED CKV_AWS_\d+/);
  });
});
