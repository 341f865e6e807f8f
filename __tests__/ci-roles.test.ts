import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployPolicy, githubTrustPolicy, planPolicy } from "../scripts/lib/ci-roles";
import { runScript } from "./support/run-script";

const s3Backend = { type: "s3" as const, bucket: "acme-tf-state", region: "us-east-1", keyPrefix: "terraform/" };
const input = { project: "airline-ingest", environment: "dev", region: "eu-west-1", account: "111122223333", repository: "acme/airline", backend: s3Backend };
const statements = (doc: { Statement: Array<Record<string, any>> }) => doc.Statement;
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

describe("CI roles (npm run ci-roles)", () => {
  /** A statement as one line: Sid | Effect | actions | resources | condition. */
  const row = (s: Record<string, any>) =>
    [s.Sid, s.Effect, [s.Action].flat().join(" "), [s.Resource].flat().join(" "), s.Condition ? JSON.stringify(s.Condition) : "-"].join(" | ");

  it("grants the deploy role exactly these statements (a change here is a change of what CI may do)", () => {
    expect(deployPolicy(input).Version).toBe("2012-10-17");
    expect(statements(deployPolicy(input)).map(row)).toStrictEqual([
      'StateListOwnKey | Allow | s3:ListBucket | arn:aws:s3:::acme-tf-state | {"StringLike":{"s3:prefix":["terraform/airline-ingest-dev.tfstate","terraform/airline-ingest-dev.tfstate.tflock"]}}',
      "StateReadWriteAndLock | Allow | s3:GetObject s3:PutObject s3:DeleteObject | arn:aws:s3:::acme-tf-state/terraform/airline-ingest-dev.tfstate arn:aws:s3:::acme-tf-state/terraform/airline-ingest-dev.tfstate.tflock | -",
      "StackBuckets | Allow | s3:* | arn:aws:s3:::airline-ingest-dev-* arn:aws:s3:::airline-ingest-dev-*/* | -",
      "StackRolesAndPolicies | Allow | iam:*Role* iam:*Policy* iam:TagRole iam:UntagRole iam:PassRole | arn:aws:iam::111122223333:role/airline-ingest-dev-* arn:aws:iam::111122223333:policy/airline-ingest-dev-* | -",
      "StackGlueResources | Allow | glue:* | arn:aws:glue:eu-west-1:111122223333:catalog arn:aws:glue:eu-west-1:111122223333:database/airline_ingest_dev* arn:aws:glue:eu-west-1:111122223333:table/airline_ingest_dev*/* arn:aws:glue:eu-west-1:111122223333:job/airline-ingest-dev-* arn:aws:glue:eu-west-1:111122223333:crawler/airline-ingest-dev-* arn:aws:glue:eu-west-1:111122223333:connection/airline-ingest-dev-* | -",
      "StackNamedResources | Allow | states:* events:* sns:* sqs:* logs:* secretsmanager:* cloudwatch:* dynamodb:* | arn:aws:states:eu-west-1:111122223333:stateMachine:airline-ingest-dev-* arn:aws:events:eu-west-1:111122223333:rule/airline-ingest-dev-* arn:aws:sns:eu-west-1:111122223333:airline-ingest-dev-* arn:aws:sqs:eu-west-1:111122223333:airline-ingest-dev-* arn:aws:logs:eu-west-1:111122223333:log-group:*airline-ingest-dev-* arn:aws:secretsmanager:eu-west-1:111122223333:secret:airline-ingest-dev-* arn:aws:cloudwatch:eu-west-1:111122223333:alarm:airline-ingest-dev-* arn:aws:cloudwatch::111122223333:dashboard/airline-ingest-dev-* arn:aws:dynamodb:eu-west-1:111122223333:table/airline-ingest-dev-* | -",
      'CreateTaggedUnnamedResources | Allow | kms:CreateKey redshift-serverless:CreateNamespace redshift-serverless:CreateWorkgroup ec2:Create* | * | {"StringEquals":{"aws:RequestedRegion":"eu-west-1","aws:RequestTag/project":"airline-ingest","aws:RequestTag/environment":"dev"}}',
      'ChangeTaggedUnnamedResources | Allow | kms:* redshift-serverless:* ec2:* | * | {"StringEquals":{"aws:ResourceTag/project":"airline-ingest","aws:ResourceTag/environment":"dev"}}',
      'DescribeAndAccountSettingsInRegion | Allow | ec2:Describe* kms:ListAliases redshift-serverless:List* glue:GetSecurityConfiguration* glue:*SecurityConfiguration glue:*DataCatalogEncryptionSettings | * | {"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}',
    ]);
  });

  it("grants the plan role exactly these read-only statements", () => {
    expect(planPolicy(input).Version).toBe("2012-10-17");
    expect(statements(planPolicy(input)).map(row)).toStrictEqual([
      'StateListOwnKey | Allow | s3:ListBucket | arn:aws:s3:::acme-tf-state | {"StringLike":{"s3:prefix":["terraform/airline-ingest-dev.tfstate","terraform/airline-ingest-dev.tfstate.tflock"]}}',
      "StateRead | Allow | s3:GetObject | arn:aws:s3:::acme-tf-state/terraform/airline-ingest-dev.tfstate | -",
      "ReadStackBucketsRolesAndPolicies | Allow | s3:Get* s3:List* iam:Get* iam:List* | arn:aws:s3:::airline-ingest-dev-* arn:aws:s3:::airline-ingest-dev-*/* arn:aws:iam::111122223333:role/airline-ingest-dev-* arn:aws:iam::111122223333:policy/airline-ingest-dev-* | -",
      'ReadOnlyInRegion | Allow | glue:Get* states:Describe* states:List* events:Describe* events:List* sns:Get* sns:List* sqs:Get* sqs:List* logs:Describe* logs:List* secretsmanager:Describe* secretsmanager:GetResourcePolicy cloudwatch:Describe* cloudwatch:List* cloudwatch:GetDashboard dynamodb:Describe* dynamodb:List* kms:Describe* kms:Get* kms:List* redshift-serverless:Get* redshift-serverless:List* ec2:Describe* | * | {"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}',
    ]);
  });

  it("trusts with a web identity of GitHub's OIDC provider only", () => {
    const trust = githubTrustPolicy(input, "plan");
    expect(trust.Version).toBe("2012-10-17");
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0]).toMatchObject({ Sid: "GitHubActionsOidc", Effect: "Allow", Action: "sts:AssumeRoleWithWebIdentity" });
  });

  it("trusts only the repository: deploys from the stack's GitHub environment, plans from pull requests", () => {
    const deploy = githubTrustPolicy(input, "deploy").Statement[0];
    expect(deploy.Principal.Federated).toBe("arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com");
    expect(deploy.Condition).toStrictEqual({
      StringEquals: {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:acme/airline:environment:dev",
      },
    });
    expect(githubTrustPolicy(input, "plan").Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toBe(
      "repo:acme/airline:pull_request",
    );
  });

  it.each([
    ["deploy", deployPolicy(input)],
    ["plan", planPolicy(input)],
  ])("%s: every statement names the stack's resources, or is held to its tags or region", (_name, policy) => {
    for (const s of statements(policy)) {
      const wildcard = list(s.Resource).includes("*");
      if (wildcard) {
        const conditions = JSON.stringify(s.Condition ?? {});
        expect([s.Sid, /aws:RequestedRegion":"eu-west-1"|aws:ResourceTag\/project":"airline-ingest"/.test(conditions)]).toStrictEqual([s.Sid, true]);
        if (s.Sid === "CreateTaggedUnnamedResources")
          expect(s.Condition.StringEquals).toStrictEqual({
            "aws:RequestedRegion": "eu-west-1",
            "aws:RequestTag/project": "airline-ingest",
            "aws:RequestTag/environment": "dev",
          });
      } else {
        for (const arn of list(s.Resource))
          expect([s.Sid, arn]).toStrictEqual([s.Sid, expect.stringMatching(/airline-ingest-dev|airline_ingest_dev|acme-tf-state|:catalog$/)]);
      }
      for (const arn of list(s.Resource).filter((r) => r.includes(":iam::") || r.includes(":glue:"))) expect(arn).toContain("111122223333");
    }
  });

  it("lets the deploy role manage the stack's lease table and dashboard, and the plan role read them", () => {
    const named = statements(deployPolicy(input)).find((s) => s.Sid === "StackNamedResources");
    expect(named?.Action).toContain("dynamodb:*");
    expect(named?.Resource).toContain("arn:aws:dynamodb:eu-west-1:111122223333:table/airline-ingest-dev-*");
    expect(named?.Resource).toContain("arn:aws:cloudwatch::111122223333:dashboard/airline-ingest-dev-*");
    const read = statements(planPolicy(input)).find((s) => s.Sid === "ReadOnlyInRegion");
    expect(read?.Action).toStrictEqual(expect.arrayContaining(["dynamodb:Describe*", "dynamodb:List*", "cloudwatch:GetDashboard"]));
  });

  it("gives the deploy role the state key and its lock file only, and the plan role read access to the key", () => {
    const deployState = statements(deployPolicy(input)).filter((s) => s.Sid.startsWith("State"));
    expect(deployState.find((s) => s.Sid === "StateReadWriteAndLock")?.Resource).toStrictEqual([
      "arn:aws:s3:::acme-tf-state/terraform/airline-ingest-dev.tfstate",
      "arn:aws:s3:::acme-tf-state/terraform/airline-ingest-dev.tfstate.tflock",
    ]);
    expect(deployState.find((s) => s.Sid === "StateListOwnKey")?.Condition).toStrictEqual({
      StringLike: { "s3:prefix": ["terraform/airline-ingest-dev.tfstate", "terraform/airline-ingest-dev.tfstate.tflock"] },
    });
    const planState = statements(planPolicy(input)).find((s) => s.Sid === "StateRead");
    expect(planState?.Action).toStrictEqual(["s3:GetObject"]);
    expect(
      statements(planPolicy(input))
        .flatMap((s) => s.Action)
        .filter((a: string) => /Put|Delete|Create|Update|\*$/.test(a) && !/Get\*|List\*|Describe\*/.test(a)),
    ).toStrictEqual([]);
    expect(
      statements(deployPolicy({ ...input, backend: { type: "cloud", organization: "acme", hostname: "app.terraform.io" } })).some((s) =>
        s.Sid.startsWith("State"),
      ),
    ).toBe(false);
  });

  it("writes the four files, and refuses a malformed account or repository in one line", () => {
    const out = mkdtempSync(join(tmpdir(), "roles-"));
    const r = runScript("ci-roles", ["--stack", "prod", "--account", "111122223333", "--repo", "acme/airline", "--out", out]);
    expect(r.status).toBe(0);
    const trust = JSON.parse(readFileSync(join(out, "deploy-trust.json"), "utf8"));
    expect(trust.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toBe("repo:acme/airline:environment:prod");
    expect(JSON.parse(readFileSync(join(out, "plan-policy.json"), "utf8")).Statement.length).toBeGreaterThan(0);
    expect(runScript("ci-roles", ["--stack", "dev", "--account", "12", "--repo", "acme/airline"]).stderr.trim()).toBe(
      "error: --account 12 is not a 12-digit AWS account id",
    );
  });
});
