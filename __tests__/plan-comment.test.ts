import { changeLine, countActions, effectiveChanges, GITHUB_COMMENT_LIMIT, planComment, resourceBlocks, reviewRank } from "../scripts/lib/plan-comment";
import { terraformFailure } from "../scripts/lib/terraform";

const TYPES = [
  "aws_s3_bucket",
  "aws_glue_job",
  "aws_iam_role",
  "aws_kms_key",
  "aws_redshiftserverless_workgroup",
  "aws_iam_role_policy",
  "aws_sfn_state_machine",
  "aws_cloudwatch_log_group",
];
const changes = Array.from({ length: 104 }, (_, i) => ({ address: `${TYPES[i % TYPES.length]}.r${String(i).padStart(3, "0")}`, actions: ["create"] }));
/** A plan text shaped like terraform's: one `# <address> will be created` block per resource, ~1.5 KB each. */
const planText = [
  "Terraform will perform the following actions:",
  "",
  ...changes.map(
    (c) =>
      `  # ${c.address} will be created\n  + resource "${c.address.split(".")[0]}" "${c.address.split(".")[1]}" {\n${'      + policy = "x"\n'.repeat(70)}    }\n`,
  ),
  "Plan: 104 to add, 0 to change, 0 to destroy.",
].join("\n");

describe("the pull-request plan comment", () => {
  const body = planComment({
    stack: "dev",
    headline: "Plan for dev: 104 to add, 0 to change, 0 to destroy.",
    changes: [...changes, { address: "data.aws_caller_identity.me", actions: ["read"] }],
    planText,
    fullPlanAt: "artifact `plan-dev`",
  });

  it("stays under GitHub's limit on a plan larger than it", () => {
    expect(planText.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT * 2);
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
  });

  it("lists every resource with its action, IAM, KMS and Redshift first; reads are left out", () => {
    const listed = [...body.matchAll(/^\+ (\S+)$/gm)].map((m) => m[1]);
    expect(new Set(listed)).toStrictEqual(new Set(changes.map((c) => c.address)));
    expect(body).toContain("All 104 resources");
    const ranks = listed.map(reviewRank);
    expect(ranks).toStrictEqual([...ranks].sort((a, b) => a - b));
    expect(listed[0]).toMatch(/^aws_iam_/);
    expect(listed.findIndex((a) => a.startsWith("aws_kms_"))).toBeLessThan(listed.findIndex((a) => a.startsWith("aws_redshift")));
    expect(body).not.toContain("aws_caller_identity");
  });

  it("cuts whole resources, marks the cut and points at the complete plan", () => {
    const detailed = [...body.matchAll(/^```diff\n {2}# (\S+) will be created/gm)].map((m) => m[1]);
    expect(detailed.length).toBeGreaterThan(10);
    expect(detailed.every((a) => a.startsWith("aws_iam_") || a.startsWith("aws_kms_") || a.startsWith("aws_redshift"))).toBe(true);
    expect(body).toContain(
      `**Cut: the details of ${104 - detailed.length} of 104 resources are not shown** (GitHub's comment limit). Complete plan: artifact \`plan-dev\`.`,
    );
    for (const a of detailed) expect(body).toContain(resourceBlocks(planText).get(a));
  });

  it("shows every detail and no cut mark when the plan fits", () => {
    const small = planComment({ stack: "dev", headline: "h", changes: changes.slice(0, 3), planText, fullPlanAt: "here" });
    expect(small.match(/^```diff\n {2}# /gm)).toHaveLength(3);
    expect(small).not.toContain("Cut:");
    expect(small).toContain("Complete plan: here.");
  });
});

describe("a failed terraform step, in one line", () => {
  it("points an online plan without credentials at --offline", () => {
    const out =
      '╷\n│ Error: No valid credential sources found\n│\n│   with provider["registry.terraform.io/hashicorp/aws"],\n│ failed to refresh cached credentials, no EC2 IMDS role found';
    expect(terraformFailure("plan", "dev", out, "f.txt")).toBe(
      "no AWS credentials for an online plan of dev: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or plan without an account: npm run plan -- --stack dev --offline",
    );
  });

  it("keeps terraform's first Error line and says where the whole output is", () => {
    expect(
      terraformFailure(
        "init",
        "prod",
        "Initializing...\n╷\n│ Error: Failed to get existing workspaces: S3 bucket does not exist.\n│ more",
        "cdktf.out/plan-prod.txt",
      ),
    ).toBe("terraform init failed for prod: Error: Failed to get existing workspaces: S3 bucket does not exist. (whole output: cdktf.out/plan-prod.txt)");
  });
});

describe("the plan comment, exactly", () => {
  const small = [
    { address: "aws_s3_bucket.b", actions: ["update"] },
    { address: "aws_glue_job.j", actions: ["delete", "create"] },
    { address: "aws_iam_role.r", actions: ["create"] },
    { address: "aws_sqs_queue.q", actions: ["create", "delete"] },
    { address: "module.m.aws_kms_key.k", actions: ["delete"] },
    { address: "aws_sns_topic.t", actions: ["no-op"] },
    { address: "data.aws_region.here", actions: ["read"] },
    { address: "aws_athena_x.odd", actions: ["forget"] },
  ];
  const text = [
    "Terraform will perform the following actions:",
    "",
    "  # aws_iam_role.r will be created",
    '  + resource "aws_iam_role" "r" {',
    "    # (nested) will not start a block",
    "    }",
    "",
    "  # aws_s3_bucket.b will be updated in-place",
    '  ~ resource "aws_s3_bucket" "b" {}',
    "",
    "Plan: 1 to add, 1 to change, 0 to destroy.",
    "Note: something after the summary",
  ].join("\n");

  it("puts each part in its place", () => {
    expect(planComment({ stack: "prod", headline: "Plan for prod", changes: small, planText: text, fullPlanAt: "artifact `plan-prod`" })).toBe(
      [
        "<!-- plan:prod -->",
        "### Terraform plan: `prod`",
        "**Plan for prod**",
        "",
        "<details><summary>All 6 resources</summary>",
        "",
        "```diff",
        "+ aws_iam_role.r",
        "- module.m.aws_kms_key.k",
        "forget aws_athena_x.odd",
        "-/+ aws_glue_job.j",
        "~ aws_s3_bucket.b",
        "+/- aws_sqs_queue.q",
        "```",
        "</details>",
        "",
        "<details><summary>Changes in detail (IAM, KMS and Redshift first)</summary>",
        "",
        "```diff",
        "  # aws_iam_role.r will be created",
        '  + resource "aws_iam_role" "r" {',
        "    # (nested) will not start a block",
        "    }",
        "```",
        "",
        "```diff",
        "  # aws_s3_bucket.b will be updated in-place",
        '  ~ resource "aws_s3_bucket" "b" {}',
        "```",
        "",
        "Complete plan: artifact `plan-prod`.",
        "</details>",
        "",
      ].join("\n"),
    );
  });

  it("writes an action it has no symbol for as terraform names it", () => {
    expect(changeLine({ address: "a.b", actions: ["read", "update"] })).toBe("read,update a.b");
  });

  it("counts creates, updates and deletes of what changes (a replacement counts as both)", () => {
    expect(countActions(small)).toStrictEqual({ create: 3, update: 1, delete: 3 });
    expect(effectiveChanges(small).map((c) => c.address)).not.toContain("aws_sns_topic.t");
    expect(effectiveChanges([{ address: "x", actions: ["no-op", "read"] }])).toHaveLength(1);
  });

  it("ends the last block at the summary line, or at the end of a text without one", () => {
    expect(resourceBlocks(text).get("aws_s3_bucket.b")).toBe('  # aws_s3_bucket.b will be updated in-place\n  ~ resource "aws_s3_bucket" "b" {}');
    expect(resourceBlocks("  # a.b will be destroyed\n  - x\n  Plan: not a summary").get("a.b")).toBe(
      "  # a.b will be destroyed\n  - x\n  Plan: not a summary",
    );
    expect([...resourceBlocks("  # a.b must be replaced\n  # c.d has changed\n  # e.f is tainted\n").keys()]).toStrictEqual(["a.b", "c.d", "e.f"]);
  });

  it("keeps 1,000 characters of the limit for the closing lines, and cuts only what passes the rest", () => {
    const input = { stack: "prod", headline: "h", changes: small, planText: text, fullPlanAt: "x" };
    const whole = planComment({ ...input, limit: 1e9 });
    const fits = whole.length - "\nComplete plan: x.\n</details>\n".length + 1_000;
    expect(planComment({ ...input, limit: fits })).toBe(whole);
    expect(planComment({ ...input, limit: fits - 1 })).toContain("**Cut: the details of 1 of 2 resources are not shown**");
  });
});
