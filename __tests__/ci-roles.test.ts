import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployPolicy, githubTrustPolicy, planPolicy, roleBoundaryPolicy } from "../scripts/lib/ci-roles";
import { DEPLOY_NEEDS, deployRequests } from "./support/deploy-needs";
import { allows, type Request } from "./support/iam-eval";
import { runScript } from "./support/run-script";
import { bodies, synth } from "./support/synth";

const s3Backend = { type: "s3" as const, bucket: "acme-tf-state", region: "us-east-1", keyPrefix: "terraform/" };
const input = { project: "airline-ingest", environment: "dev", region: "eu-west-1", account: "111122223333", repository: "acme/airline", backend: s3Backend };
const both = [input, { ...input, environment: "prod", region: "us-east-1" }];
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
      'BoundedRolesOnly | Allow | iam:CreateRole iam:PutRolePolicy iam:DeleteRolePolicy iam:AttachRolePolicy iam:DetachRolePolicy iam:PutRolePermissionsBoundary | arn:aws:iam::111122223333:role/airline-ingest-dev-* | {"StringEquals":{"iam:PermissionsBoundary":"arn:aws:iam::111122223333:policy/airline-ingest-dev-ci-role-boundary"}}',
      "ManageStackRoles | Allow | iam:GetRole iam:GetRolePolicy iam:ListRolePolicies iam:ListAttachedRolePolicies iam:ListInstanceProfilesForRole iam:UpdateRole iam:UpdateRoleDescription iam:UpdateAssumeRolePolicy iam:TagRole iam:UntagRole iam:DeleteRole | arn:aws:iam::111122223333:role/airline-ingest-dev-* | -",
      'PassStackRolesToTheirServices | Allow | iam:PassRole | arn:aws:iam::111122223333:role/airline-ingest-dev-* | {"StringEquals":{"iam:PassedToService":["glue.amazonaws.com","states.amazonaws.com","events.amazonaws.com","redshift.amazonaws.com","redshift-serverless.amazonaws.com","vpc-flow-logs.amazonaws.com"]}}',
      "StackManagedPolicies | Allow | iam:CreatePolicy iam:DeletePolicy iam:GetPolicy iam:GetPolicyVersion iam:ListPolicyVersions iam:CreatePolicyVersion iam:DeletePolicyVersion iam:TagPolicy iam:UntagPolicy | arn:aws:iam::111122223333:policy/airline-ingest-dev-* | -",
      "KeepTheBoundary | Deny | iam:DeleteRolePermissionsBoundary | arn:aws:iam::111122223333:role/airline-ingest-dev-* | -",
      "LeaveTheBoundaryPolicyAlone | Deny | iam:CreatePolicyVersion iam:DeletePolicy iam:DeletePolicyVersion iam:SetDefaultPolicyVersion | arn:aws:iam::111122223333:policy/airline-ingest-dev-ci-role-boundary | -",
      "StackGlueResources | Allow | glue:* | arn:aws:glue:eu-west-1:111122223333:catalog arn:aws:glue:eu-west-1:111122223333:database/airline_ingest_dev* arn:aws:glue:eu-west-1:111122223333:table/airline_ingest_dev*/* arn:aws:glue:eu-west-1:111122223333:job/airline-ingest-dev-* arn:aws:glue:eu-west-1:111122223333:crawler/airline-ingest-dev-* arn:aws:glue:eu-west-1:111122223333:connection/airline-ingest-dev-* | -",
      "StackNamedResources | Allow | states:* events:* sns:* sqs:* logs:* secretsmanager:* cloudwatch:* dynamodb:* athena:* kms:CreateAlias kms:DeleteAlias kms:UpdateAlias | arn:aws:states:eu-west-1:111122223333:stateMachine:airline-ingest-dev-* arn:aws:events:eu-west-1:111122223333:rule/airline-ingest-dev-* arn:aws:sns:eu-west-1:111122223333:airline-ingest-dev-* arn:aws:sqs:eu-west-1:111122223333:airline-ingest-dev-* arn:aws:logs:eu-west-1:111122223333:log-group:*airline-ingest-dev-* arn:aws:logs:eu-west-1:111122223333:log-group:/airline-ingest/dev/* arn:aws:secretsmanager:eu-west-1:111122223333:secret:airline-ingest-dev-* arn:aws:cloudwatch:eu-west-1:111122223333:alarm:airline-ingest-dev-* arn:aws:cloudwatch::111122223333:dashboard/airline-ingest-dev-* arn:aws:dynamodb:eu-west-1:111122223333:table/airline-ingest-dev-* arn:aws:kms:eu-west-1:111122223333:alias/airline-ingest-dev-* arn:aws:athena:eu-west-1:111122223333:workgroup/airline-ingest-dev-* | -",
      "RedshiftManagedAdminSecret | Allow | secretsmanager:CreateSecret secretsmanager:DescribeSecret secretsmanager:DeleteSecret secretsmanager:UpdateSecret secretsmanager:RotateSecret secretsmanager:TagResource | arn:aws:secretsmanager:eu-west-1:111122223333:secret:redshift!airline-ingest-dev-* | -",
      'CreateTaggedUnnamedResources | Allow | kms:CreateKey redshift-serverless:CreateNamespace redshift-serverless:CreateWorkgroup ec2:CreateVpc ec2:CreateSubnet ec2:CreateSecurityGroup ec2:CreateRouteTable ec2:CreateInternetGateway ec2:CreateNatGateway ec2:CreateVpcEndpoint ec2:CreateFlowLogs ec2:AllocateAddress | * | {"StringEquals":{"aws:RequestedRegion":"eu-west-1","aws:RequestTag/project":"airline-ingest","aws:RequestTag/environment":"dev"}}',
      'TagOnCreateOnly | Allow | ec2:CreateTags | * | {"StringEquals":{"aws:RequestedRegion":"eu-west-1","aws:RequestTag/project":"airline-ingest","aws:RequestTag/environment":"dev","ec2:CreateAction":["CreateVpc","CreateSubnet","CreateSecurityGroup","CreateRouteTable","CreateInternetGateway","CreateNatGateway","CreateVpcEndpoint","CreateFlowLogs","AllocateAddress"]}}',
      'ChangeTaggedUnnamedResources | Allow | kms:* redshift-serverless:* ec2:* | * | {"StringEquals":{"aws:ResourceTag/project":"airline-ingest","aws:ResourceTag/environment":"dev"}}',
      'DescribeAndAccountSettingsInRegion | Allow | ec2:Describe* kms:ListAliases redshift-serverless:List* glue:GetSecurityConfiguration* glue:*SecurityConfiguration glue:*DataCatalogEncryptionSettings states:ValidateStateMachineDefinition secretsmanager:GetRandomPassword | * | {"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}',
    ]);
  });

  it("grants the one plan role exactly these read-only statements, over every stack", () => {
    expect(planPolicy(both).Version).toBe("2012-10-17");
    expect(statements(planPolicy(both)).map(row)).toStrictEqual([
      'StateListOwnKeyDev | Allow | s3:ListBucket | arn:aws:s3:::acme-tf-state | {"StringLike":{"s3:prefix":["terraform/airline-ingest-dev.tfstate","terraform/airline-ingest-dev.tfstate.tflock"]}}',
      "StateReadDev | Allow | s3:GetObject | arn:aws:s3:::acme-tf-state/terraform/airline-ingest-dev.tfstate | -",
      'StateListOwnKeyProd | Allow | s3:ListBucket | arn:aws:s3:::acme-tf-state | {"StringLike":{"s3:prefix":["terraform/airline-ingest-prod.tfstate","terraform/airline-ingest-prod.tfstate.tflock"]}}',
      "StateReadProd | Allow | s3:GetObject | arn:aws:s3:::acme-tf-state/terraform/airline-ingest-prod.tfstate | -",
      "ReadStackBucketsAndRoles | Allow | s3:Get* s3:List* iam:Get* iam:List* | arn:aws:s3:::airline-ingest-dev-* arn:aws:s3:::airline-ingest-dev-*/* arn:aws:iam::111122223333:role/airline-ingest-dev-* arn:aws:iam::111122223333:policy/airline-ingest-dev-* arn:aws:s3:::airline-ingest-prod-* arn:aws:s3:::airline-ingest-prod-*/* arn:aws:iam::111122223333:role/airline-ingest-prod-* arn:aws:iam::111122223333:policy/airline-ingest-prod-* | -",
      'ReadOnlyInRegion | Allow | glue:Get* athena:GetWorkGroup athena:ListTagsForResource states:Describe* states:List* states:ValidateStateMachineDefinition events:Describe* events:List* sns:Get* sns:List* sqs:Get* sqs:List* logs:Describe* logs:List* secretsmanager:Describe* secretsmanager:GetResourcePolicy cloudwatch:Describe* cloudwatch:List* cloudwatch:GetDashboard dynamodb:Describe* dynamodb:List* kms:Describe* kms:Get* kms:List* redshift-serverless:Get* redshift-serverless:List* ec2:Describe* | * | {"StringEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}',
      'DecryptEncryptedCatalog | Allow | kms:Decrypt | * | {"StringEquals":{"aws:ResourceTag/project":"airline-ingest","aws:ResourceTag/environment":["dev","prod"],"kms:ViaService":["glue.eu-west-1.amazonaws.com","glue.us-east-1.amazonaws.com"]}}',
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
    ["plan", planPolicy([input])],
  ])("%s: every statement names the stack's resources, or is held to its tags or region", (_name, policy) => {
    for (const s of statements(policy)) {
      const wildcard = list(s.Resource).includes("*");
      if (wildcard) {
        const conditions = JSON.stringify(s.Condition ?? {});
        expect([s.Sid, /aws:RequestedRegion":\[?"eu-west-1"|aws:ResourceTag\/project":"airline-ingest"/.test(conditions)]).toStrictEqual([s.Sid, true]);
        if (s.Sid === "CreateTaggedUnnamedResources")
          expect(s.Condition.StringEquals).toStrictEqual({
            "aws:RequestedRegion": "eu-west-1",
            "aws:RequestTag/project": "airline-ingest",
            "aws:RequestTag/environment": "dev",
          });
      } else {
        for (const arn of list(s.Resource))
          expect([s.Sid, arn]).toStrictEqual([
            s.Sid,
            expect.stringMatching(/airline-ingest-dev|airline_ingest_dev|airline-ingest\/dev\/|acme-tf-state|:catalog$/),
          ]);
      }
      for (const arn of list(s.Resource).filter((r) => r.includes(":iam::") || r.includes(":glue:"))) expect(arn).toContain("111122223333");
    }
  });

  it("lets the deploy role manage the stack's lease table and dashboard, and the plan role read them", () => {
    const named = statements(deployPolicy(input)).find((s) => s.Sid === "StackNamedResources");
    expect(named?.Action).toContain("dynamodb:*");
    expect(named?.Resource).toContain("arn:aws:dynamodb:eu-west-1:111122223333:table/airline-ingest-dev-*");
    expect(named?.Resource).toContain("arn:aws:cloudwatch::111122223333:dashboard/airline-ingest-dev-*");
    const read = statements(planPolicy([input])).find((s) => s.Sid === "ReadOnlyInRegion");
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
    const planState = statements(planPolicy([input])).find((s) => s.Sid === "StateReadDev");
    expect(planState?.Action).toStrictEqual(["s3:GetObject"]);
    expect(
      statements(planPolicy([input]))
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

describe("CI roles against what deploying and planning the stacks asks of AWS (IAM emulated: support/iam-eval)", () => {
  const deployment = (environment: string) => {
    const json = synth(environment, (raw) => {
      raw.environments[environment].permissionsBoundary = true;
    });
    return { project: "airline-ingest", environment, region: json.provider.aws[0].region, account: "111122223333", json };
  };
  const roleInput = (environment: string, region: string) => ({ ...input, environment, region });

  it.each(["dev", "prod"])("%s: the deploy role may make every resource of the stack (resource types from the synthesized stack)", (env) => {
    const d = deployment(env);
    const policy = deployPolicy(roleInput(env, d.region));
    const denied = deployRequests(d)
      .filter((r) => !allows(policy, r))
      .map((r) => `${r.for}: ${r.action} on ${r.resource}`);
    expect(denied).toStrictEqual([]);
  });

  it("every resource type of both stacks has a row of what it needs", () => {
    const types = new Set(["dev", "prod"].flatMap((env) => Object.keys(deployment(env).json.resource)));
    expect([...types].filter((t) => !DEPLOY_NEEDS[t])).toStrictEqual([]);
  });

  it("refuses what would make the deploy role an account admin", () => {
    const policy = deployPolicy(input);
    const role = "arn:aws:iam::111122223333:role/airline-ingest-dev-etl-flights-ingest";
    const boundary = { "iam:PermissionsBoundary": "arn:aws:iam::111122223333:policy/airline-ingest-dev-ci-role-boundary" };
    const attempts: Request[] = [
      { action: "iam:CreateRole", resource: role },
      { action: "iam:AttachRolePolicy", resource: role, context: { "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" } },
      { action: "iam:PutRolePolicy", resource: role, context: { "iam:PermissionsBoundary": "arn:aws:iam::111122223333:policy/anything" } },
      { action: "iam:DeleteRolePermissionsBoundary", resource: role, context: boundary },
      { action: "iam:CreatePolicyVersion", resource: boundary["iam:PermissionsBoundary"] },
      { action: "iam:PassRole", resource: role, context: { "iam:PassedToService": "ec2.amazonaws.com" } },
      // Re-tagging someone else's instance into the stack, then ec2:* on it.
      {
        action: "ec2:CreateTags",
        resource: "arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc",
        context: { "aws:RequestTag/project": "airline-ingest", "aws:RequestTag/environment": "dev" },
      },
      { action: "iam:CreateRole", resource: "arn:aws:iam::111122223333:role/airline-ingest-prod-etl-flights-ingest", context: boundary },
    ];
    expect(attempts.filter((r) => allows(policy, r))).toStrictEqual([]);
    expect(allows(policy, { action: "iam:CreateRole", resource: role, context: boundary })).toBe(true);
  });

  it("lets the one plan role refresh both stacks, validate their definitions and read prod's encrypted catalog", () => {
    const policy = planPolicy([roleInput("dev", "us-east-1"), roleInput("prod", "us-east-1")]);
    const reads = ["dev", "prod"].flatMap((env): Request[] => [
      {
        action: "states:DescribeStateMachine",
        resource: `arn:aws:states:us-east-1:111122223333:stateMachine:airline-ingest-${env}-orchestration-pipeline`,
        context: { "aws:RequestedRegion": "us-east-1" },
      },
      { action: "s3:GetBucketPolicy", resource: `arn:aws:s3:::airline-ingest-${env}-data-20261207abcdef` },
      { action: "iam:GetRolePolicy", resource: `arn:aws:iam::111122223333:role/airline-ingest-${env}-etl-flights-ingest` },
      { action: "s3:GetObject", resource: `arn:aws:s3:::acme-tf-state/terraform/airline-ingest-${env}.tfstate` },
    ]);
    const more: Request[] = [
      { action: "states:ValidateStateMachineDefinition", resource: "*", context: { "aws:RequestedRegion": "us-east-1" } },
      {
        action: "kms:Decrypt",
        resource: "arn:aws:kms:us-east-1:111122223333:key/k",
        context: { "aws:ResourceTag/project": "airline-ingest", "aws:ResourceTag/environment": "prod", "kms:ViaService": "glue.us-east-1.amazonaws.com" },
      },
    ];
    expect([...reads, ...more].filter((r) => !allows(policy, r))).toStrictEqual([]);
    expect(allows(policy, { action: "s3:PutObject", resource: "arn:aws:s3:::acme-tf-state/terraform/airline-ingest-prod.tfstate" })).toBe(false);
  });

  it("ships the role boundary: the pipeline's services in the stack's region, and nothing of IAM", () => {
    const boundary = roleBoundaryPolicy(input);
    const actions = boundary.Statement.flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => /^(iam|sts|organizations):/.test(a))).toStrictEqual([]);
    expect(boundary.Statement.every((s) => JSON.stringify(s.Condition) === '{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}')).toBe(true);
    const out = mkdtempSync(join(tmpdir(), "roles-"));
    expect(runScript("ci-roles", ["--stack", "dev", "--account", "111122223333", "--repo", "acme/airline", "--out", out]).status).toBe(0);
    expect(JSON.parse(readFileSync(join(out, "role-boundary-policy.json"), "utf8"))).toStrictEqual(
      JSON.parse(JSON.stringify(roleBoundaryPolicy({ ...input, region: "us-east-1" }))),
    );
    const planRead = JSON.parse(readFileSync(join(out, "plan-policy.json"), "utf8")).Statement.find(
      (s: { Sid: string }) => s.Sid === "ReadStackBucketsAndRoles",
    );
    expect(planRead.Resource).toStrictEqual(
      expect.arrayContaining(["arn:aws:iam::111122223333:role/airline-ingest-dev-*", "arn:aws:iam::111122223333:role/airline-ingest-prod-*"]),
    );
  });

  it("makes every role of a stack carry the boundary when permissionsBoundary is on, and none when off", () => {
    const on = bodies(deployment("dev").json, "aws_iam_role").map((r) => r.permissions_boundary);
    expect(new Set(on)).toStrictEqual(new Set(["arn:${local.partition}:iam::${local.account_id}:policy/airline-ingest-dev-ci-role-boundary"]));
    expect(bodies(synth("dev"), "aws_iam_role").filter((r) => r.permissions_boundary)).toStrictEqual([]);
  });
});
