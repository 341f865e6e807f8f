// The IAM roles GitHub Actions assumes through OIDC: a deploy role per environment (deploy-stack.yml) and a
// read-only plan role (pull-request.yml). Every statement is scoped to the stack's own names
// (`<project>-<env>-*`), its region and account; the few actions AWS does not scope by resource carry the
// stack's tag or region as a condition instead, and say so in their Sid.

import { type CiRoleInput, type PolicyDocument, type Statement, stackArns } from "./ci-role-arns";
import { roleStatements } from "./ci-role-boundary";

export type { CiRoleInput, PolicyDocument } from "./ci-role-arns";
export { roleBoundaryPolicy } from "./ci-role-boundary";

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

/** The EC2 actions that create this stack's network; tags may be set only as part of one of them. */
const EC2_CREATE_ACTIONS = [
  "ec2:CreateVpc",
  "ec2:CreateSubnet",
  "ec2:CreateSecurityGroup",
  "ec2:CreateRouteTable",
  "ec2:CreateInternetGateway",
  "ec2:CreateNatGateway",
  "ec2:CreateVpcEndpoint",
  "ec2:CreateFlowLogs",
  "ec2:AllocateAddress",
];
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
  const a = stackArns(input);
  const inRegion = { StringEquals: { "aws:RequestedRegion": input.region } };
  const tagged = { StringEquals: { "aws:ResourceTag/project": input.project, "aws:ResourceTag/environment": input.environment } };
  const tagging = { StringEquals: { "aws:RequestTag/project": input.project, "aws:RequestTag/environment": input.environment } };
  return {
    Version: "2012-10-17",
    Statement: [
      ...stateStatements(input, true),
      { Sid: "StackBuckets", Effect: "Allow", Action: ["s3:*"], Resource: a.s3 },
      ...roleStatements(a),
      { Sid: "StackGlueResources", Effect: "Allow", Action: ["glue:*"], Resource: a.glue },
      {
        Sid: "StackNamedResources",
        Effect: "Allow",
        Action: [
          "states:*",
          "events:*",
          "sns:*",
          "sqs:*",
          "logs:*",
          "secretsmanager:*",
          "cloudwatch:*",
          "dynamodb:*",
          "athena:*",
          "kms:CreateAlias",
          "kms:DeleteAlias",
          "kms:UpdateAlias",
        ],
        Resource: a.named,
      },
      // Redshift keeps the managed admin password in a secret it names `redshift!<namespace>-<user>`, made with the
      // caller's rights (Redshift management guide, "Managing Amazon Redshift admin passwords using Secrets Manager").
      {
        Sid: "RedshiftManagedAdminSecret",
        Effect: "Allow",
        Action: [
          "secretsmanager:CreateSecret",
          "secretsmanager:DescribeSecret",
          "secretsmanager:DeleteSecret",
          "secretsmanager:UpdateSecret",
          "secretsmanager:RotateSecret",
          "secretsmanager:TagResource",
        ],
        Resource: `arn:aws:secretsmanager:${input.region}:${input.account}:secret:redshift!${a.prefix}-*`,
      },
      // Neither KMS keys, Redshift Serverless, VPC resources nor Glue security configurations have a name in their
      // ARN that Terraform knows before creating them: created only with the stack's tags, changed only when tagged.
      {
        Sid: "CreateTaggedUnnamedResources",
        Effect: "Allow",
        Action: ["kms:CreateKey", "redshift-serverless:CreateNamespace", "redshift-serverless:CreateWorkgroup", ...EC2_CREATE_ACTIONS],
        Resource: "*",
        Condition: { StringEquals: { ...inRegion.StringEquals, ...tagging.StringEquals } },
      },
      // Tags only as part of creating the stack's own resources: a bare CreateTags would re-tag any instance into the stack.
      {
        Sid: "TagOnCreateOnly",
        Effect: "Allow",
        Action: ["ec2:CreateTags"],
        Resource: "*",
        Condition: { StringEquals: { ...inRegion.StringEquals, ...tagging.StringEquals, "ec2:CreateAction": EC2_CREATE_ACTIONS.map((x) => x.slice(4)) } },
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
          // The provider validates the state machine's definition at plan and apply; the action has no resource type.
          "states:ValidateStateMachineDefinition",
          "secretsmanager:GetRandomPassword",
        ],
        Resource: "*",
        Condition: inRegion,
      },
    ],
  };
}

/**
 * One read-only role for the pull-request plans of every stack (AWS_PLAN_ROLE_ARN serves the whole matrix): each
 * stack's state key, names and region.
 */
export function planPolicy(inputs: readonly CiRoleInput[]): PolicyDocument {
  const all = inputs.map(stackArns);
  return {
    Version: "2012-10-17",
    Statement: [
      ...inputs.flatMap((input) => stateStatements(input, false).map((s) => ({ ...s, Sid: `${s.Sid}${pascal(input.environment)}` }))),
      {
        Sid: "ReadStackBucketsAndRoles",
        Effect: "Allow",
        Action: ["s3:Get*", "s3:List*", "iam:Get*", "iam:List*"],
        Resource: all.flatMap((a) => [...a.s3, a.roles, a.policies]),
      },
      {
        Sid: "ReadOnlyInRegion",
        Effect: "Allow",
        Action: [
          "glue:Get*",
          "athena:GetWorkGroup",
          "athena:ListTagsForResource",
          "states:Describe*",
          "states:List*",
          "states:ValidateStateMachineDefinition",
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
        Condition: { StringEquals: { "aws:RequestedRegion": [...new Set(inputs.map((i) => i.region))] } },
      },
      // A catalog encrypted with SSE-KMS (prod) is read through the stack's key; only the stacks' own (tagged) keys.
      {
        Sid: "DecryptEncryptedCatalog",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: "*",
        Condition: {
          StringEquals: {
            "aws:ResourceTag/project": inputs[0].project,
            "aws:ResourceTag/environment": inputs.map((i) => i.environment),
            "kms:ViaService": inputs.map((i) => `glue.${i.region}.amazonaws.com`),
          },
        },
      },
    ],
  };
}

const pascal = (s: string) => s.replace(/(^|[^A-Za-z0-9])([a-z])/g, (_, __, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, "");
