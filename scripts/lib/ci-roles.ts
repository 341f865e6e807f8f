import type { BackendConfig } from "../../modules/config/schema";

/**
 * The IAM roles GitHub Actions assumes through OIDC: a deploy role per environment (deploy-stack.yml) and a
 * read-only plan role (pull-request.yml). Every statement is scoped to the stack's own names
 * (`<project>-<env>-*`), its region and account; the few actions AWS does not scope by resource carry the
 * stack's tag or region as a condition instead, and say so in their Sid.
 */
export interface CiRoleInput {
  readonly project: string;
  readonly environment: string;
  readonly region: string;
  readonly account: string;
  /** owner/name of the GitHub repository. */
  readonly repository: string;
  readonly backend: BackendConfig;
}

type Statement = { Sid: string; Effect: "Allow"; Action: string[]; Resource: string | string[]; Condition?: Record<string, Record<string, string | string[]>> };
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Statement[];
}

const GITHUB_OIDC = "token.actions.githubusercontent.com";

/** Trust: only this repository's workflow jobs, for deploys only those running in the stack's GitHub environment. */
export function githubTrustPolicy(input: CiRoleInput, purpose: "deploy" | "plan") {
  const subject = purpose === "deploy" ? `repo:${input.repository}:environment:${input.environment}` : `repo:${input.repository}:pull_request`;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GitHubActionsOidc",
        Effect: "Allow",
        Principal: { Federated: `arn:aws:iam::${input.account}:oidc-provider/${GITHUB_OIDC}` },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { [`${GITHUB_OIDC}:aud`]: "sts.amazonaws.com", [`${GITHUB_OIDC}:sub`]: subject } },
      },
    ],
  };
}

function arns(input: CiRoleInput) {
  const { region, account } = input;
  const prefix = `${input.project}-${input.environment}`;
  return {
    prefix,
    s3: [`arn:aws:s3:::${prefix}-*`, `arn:aws:s3:::${prefix}-*/*`],
    iam: [`arn:aws:iam::${account}:role/${prefix}-*`, `arn:aws:iam::${account}:policy/${prefix}-*`],
    glue: [
      `arn:aws:glue:${region}:${account}:catalog`,
      `arn:aws:glue:${region}:${account}:database/${prefix.replaceAll("-", "_")}*`,
      `arn:aws:glue:${region}:${account}:table/${prefix.replaceAll("-", "_")}*/*`,
      `arn:aws:glue:${region}:${account}:job/${prefix}-*`,
      `arn:aws:glue:${region}:${account}:crawler/${prefix}-*`,
      `arn:aws:glue:${region}:${account}:connection/${prefix}-*`,
    ],
    named: [
      `arn:aws:states:${region}:${account}:stateMachine:${prefix}-*`,
      `arn:aws:events:${region}:${account}:rule/${prefix}-*`,
      `arn:aws:sns:${region}:${account}:${prefix}-*`,
      `arn:aws:sqs:${region}:${account}:${prefix}-*`,
      `arn:aws:logs:${region}:${account}:log-group:*${prefix}-*`,
      `arn:aws:secretsmanager:${region}:${account}:secret:${prefix}-*`,
      `arn:aws:cloudwatch:${region}:${account}:alarm:${prefix}-*`,
      // Dashboards are global: no region in their ARN.
      `arn:aws:cloudwatch::${account}:dashboard/${prefix}-*`,
      `arn:aws:dynamodb:${region}:${account}:table/${prefix}-*`,
    ],
  };
}

/** Where the state is: read (plan) or read-write with the lock file (deploy). Nothing for Terraform Cloud. */
function stateStatements(input: CiRoleInput, write: boolean): Statement[] {
  if (input.backend.type !== "s3") return [];
  const key = `${input.backend.keyPrefix}${input.project}-${input.environment}.tfstate`;
  const bucket = `arn:aws:s3:::${input.backend.bucket}`;
  return [
    {
      Sid: "StateListOwnKey",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: bucket,
      Condition: { StringLike: { "s3:prefix": [key, `${key}.tflock`] } },
    },
    {
      Sid: write ? "StateReadWriteAndLock" : "StateRead",
      Effect: "Allow",
      Action: write ? ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] : ["s3:GetObject"],
      Resource: write ? [`${bucket}/${key}`, `${bucket}/${key}.tflock`] : `${bucket}/${key}`,
    },
  ];
}

export function deployPolicy(input: CiRoleInput): PolicyDocument {
  const a = arns(input);
  const inRegion = { StringEquals: { "aws:RequestedRegion": input.region } };
  const tagged = { StringEquals: { "aws:ResourceTag/project": input.project, "aws:ResourceTag/environment": input.environment } };
  const tagging = { StringEquals: { "aws:RequestTag/project": input.project, "aws:RequestTag/environment": input.environment } };
  return {
    Version: "2012-10-17",
    Statement: [
      ...stateStatements(input, true),
      { Sid: "StackBuckets", Effect: "Allow", Action: ["s3:*"], Resource: a.s3 },
      {
        Sid: "StackRolesAndPolicies",
        Effect: "Allow",
        Action: ["iam:*Role*", "iam:*Policy*", "iam:TagRole", "iam:UntagRole", "iam:PassRole"],
        Resource: a.iam,
      },
      { Sid: "StackGlueResources", Effect: "Allow", Action: ["glue:*"], Resource: a.glue },
      {
        Sid: "StackNamedResources",
        Effect: "Allow",
        Action: ["states:*", "events:*", "sns:*", "sqs:*", "logs:*", "secretsmanager:*", "cloudwatch:*", "dynamodb:*"],
        Resource: a.named,
      },
      // Neither KMS keys, Redshift Serverless, VPC resources nor Glue security configurations have a name in their
      // ARN that Terraform knows before creating them: created only with the stack's tags, changed only when tagged.
      {
        Sid: "CreateTaggedUnnamedResources",
        Effect: "Allow",
        Action: ["kms:CreateKey", "redshift-serverless:CreateNamespace", "redshift-serverless:CreateWorkgroup", "ec2:Create*"],
        Resource: "*",
        Condition: { StringEquals: { ...inRegion.StringEquals, ...tagging.StringEquals } },
      },
      { Sid: "ChangeTaggedUnnamedResources", Effect: "Allow", Action: ["kms:*", "redshift-serverless:*", "ec2:*"], Resource: "*", Condition: tagged },
      // Read-only calls and the account-wide Glue settings AWS scopes to no resource; limited to the stack's region.
      {
        Sid: "DescribeAndAccountSettingsInRegion",
        Effect: "Allow",
        Action: [
          "ec2:Describe*",
          "kms:ListAliases",
          "redshift-serverless:List*",
          "glue:GetSecurityConfiguration*",
          "glue:*SecurityConfiguration",
          "glue:*DataCatalogEncryptionSettings",
        ],
        Resource: "*",
        Condition: inRegion,
      },
    ],
  };
}

export function planPolicy(input: CiRoleInput): PolicyDocument {
  const a = arns(input);
  return {
    Version: "2012-10-17",
    Statement: [
      ...stateStatements(input, false),
      { Sid: "ReadStackBucketsRolesAndPolicies", Effect: "Allow", Action: ["s3:Get*", "s3:List*", "iam:Get*", "iam:List*"], Resource: [...a.s3, ...a.iam] },
      {
        Sid: "ReadOnlyInRegion",
        Effect: "Allow",
        Action: [
          "glue:Get*",
          "states:Describe*",
          "states:List*",
          "events:Describe*",
          "events:List*",
          "sns:Get*",
          "sns:List*",
          "sqs:Get*",
          "sqs:List*",
          "logs:Describe*",
          "logs:List*",
          "secretsmanager:Describe*",
          "secretsmanager:GetResourcePolicy",
          "cloudwatch:Describe*",
          "cloudwatch:List*",
          "cloudwatch:GetDashboard",
          "dynamodb:Describe*",
          "dynamodb:List*",
          "kms:Describe*",
          "kms:Get*",
          "kms:List*",
          "redshift-serverless:Get*",
          "redshift-serverless:List*",
          "ec2:Describe*",
        ],
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": input.region } },
      },
    ],
  };
}
