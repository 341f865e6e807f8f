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
  it("trusts only the repository: deploys from the stack's GitHub environment, plans from pull requests", () => {
    const deploy = githubTrustPolicy(input, "deploy").Statement[0];
    expect(deploy.Principal.Federated).toBe("arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com");
    expect(deploy.Condition).toEqual({
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
        expect([s.Sid, /aws:RequestedRegion":"eu-west-1"|aws:ResourceTag\/project":"airline-ingest"/.test(conditions)]).toEqual([s.Sid, true]);
        if (s.Sid === "CreateTaggedUnnamedResources")
          expect(s.Condition.StringEquals).toEqual({
            "aws:RequestedRegion": "eu-west-1",
            "aws:RequestTag/project": "airline-ingest",
            "aws:RequestTag/environment": "dev",
          });
      } else {
        for (const arn of list(s.Resource))
          expect([s.Sid, arn]).toEqual([s.Sid, expect.stringMatching(/airline-ingest-dev|airline_ingest_dev|acme-tf-state|:catalog$/)]);
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
    expect(read?.Action).toEqual(expect.arrayContaining(["dynamodb:Describe*", "dynamodb:List*", "cloudwatch:GetDashboard"]));
  });

  it("gives the deploy role the state key and its lock file only, and the plan role read access to the key", () => {
    const deployState = statements(deployPolicy(input)).filter((s) => s.Sid.startsWith("State"));
    expect(deployState.find((s) => s.Sid === "StateReadWriteAndLock")?.Resource).toEqual([
      "arn:aws:s3:::acme-tf-state/terraform/airline-ingest-dev.tfstate",
      "arn:aws:s3:::acme-tf-state/terraform/airline-ingest-dev.tfstate.tflock",
    ]);
    expect(deployState.find((s) => s.Sid === "StateListOwnKey")?.Condition).toEqual({
      StringLike: { "s3:prefix": ["terraform/airline-ingest-dev.tfstate", "terraform/airline-ingest-dev.tfstate.tflock"] },
    });
    const planState = statements(planPolicy(input)).find((s) => s.Sid === "StateRead");
    expect(planState?.Action).toEqual(["s3:GetObject"]);
    expect(
      statements(planPolicy(input))
        .flatMap((s) => s.Action)
        .filter((a: string) => /Put|Delete|Create|Update|\*$/.test(a) && !/Get\*|List\*|Describe\*/.test(a)),
    ).toEqual([]);
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
