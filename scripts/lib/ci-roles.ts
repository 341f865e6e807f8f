import type { BackendConfig } from "../../modules/config/schema";
import { ResourceNames } from "../../modules/naming";

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

type Statement = {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
};
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
    roles: `arn:aws:iam::${account}:role/${prefix}-*`,
    boundary: `arn:aws:iam::${account}:policy/${new ResourceNames(input.project, input.environment).roleBoundaryPolicy}`,
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
      // Step Functions' vended-logs group carries the prefix in its last segment; the others sit under /<project>/<env>/.
      `arn:aws:logs:${region}:${account}:log-group:*${prefix}-*`,
      `arn:aws:logs:${region}:${account}:log-group:/${input.project}/${input.environment}/*`,
      `arn:aws:secretsmanager:${region}:${account}:secret:${prefix}-*`,
      `arn:aws:cloudwatch:${region}:${account}:alarm:${prefix}-*`,
      // Dashboards are global: no region in their ARN.
      `arn:aws:cloudwatch::${account}:dashboard/${prefix}-*`,
      `arn:aws:dynamodb:${region}:${account}:table/${prefix}-*`,
      `arn:aws:kms:${region}:${account}:alias/${prefix}-*`,
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
/** Services the stack's roles are made for: the only ones the deploy role may pass them to. */
const ROLE_SERVICES = [
  "glue.amazonaws.com",
  "states.amazonaws.com",
  "events.amazonaws.com",
  "redshift.amazonaws.com",
  "redshift-serverless.amazonaws.com",
  "vpc-flow-logs.amazonaws.com",
];

/**
 * A role the deploy role makes or changes must carry the boundary, and the boundary cannot be removed: without it the
 * deploy role could attach AdministratorAccess to a role of its own and pass it to Glue.
 */
function roleStatements(a: ReturnType<typeof arns>): Statement[] {
  return [
    {
      Sid: "BoundedRolesOnly",
      Effect: "Allow",
      Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary"],
      Resource: a.roles,
      Condition: { StringEquals: { "iam:PermissionsBoundary": a.boundary } },
    },
    {
      Sid: "ManageStackRoles",
      Effect: "Allow",
      Action: [
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        "iam:UpdateRole",
        "iam:UpdateRoleDescription",
        "iam:UpdateAssumeRolePolicy",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:DeleteRole",
      ],
      Resource: a.roles,
    },
    {
      Sid: "PassStackRolesToTheirServices",
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: a.roles,
      Condition: { StringEquals: { "iam:PassedToService": ROLE_SERVICES } },
    },
    { Sid: "KeepTheBoundary", Effect: "Deny", Action: ["iam:DeleteRolePermissionsBoundary"], Resource: a.roles },
    {
      Sid: "LeaveTheBoundaryPolicyAlone",
      Effect: "Deny",
      Action: ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"],
      Resource: a.boundary,
    },
  ];
}

/**
 * The boundary of every role the stack makes (installed once, with the CI roles): what the pipeline's services do,
 * within the stack's region; each role's own policy narrows it to its resources.
 */
export function roleBoundaryPolicy(input: CiRoleInput): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "PipelineServicesInRegion",
        Effect: "Allow",
        // No iam:*: a bounded role can neither make roles nor change its own.
        Action: [
          "s3:*",
          "glue:*",
          "kms:*",
          "logs:*",
          "cloudwatch:PutMetricData",
          "states:*",
          "dynamodb:*",
          "sns:Publish",
          "secretsmanager:GetSecretValue",
          "secretsmanager:DescribeSecret",
          "ec2:*",
          "xray:*",
        ],
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": input.region } },
      },
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
  const all = inputs.map(arns);
  return {
    Version: "2012-10-17",
    Statement: [
      ...inputs.flatMap((input) => stateStatements(input, false).map((s) => ({ ...s, Sid: `${s.Sid}${pascal(input.environment)}` }))),
      {
        Sid: "ReadStackBucketsAndRoles",
        Effect: "Allow",
        Action: ["s3:Get*", "s3:List*", "iam:Get*", "iam:List*"],
        Resource: all.flatMap((a) => [...a.s3, a.roles]),
      },
      {
        Sid: "ReadOnlyInRegion",
        Effect: "Allow",
        Action: [
          "glue:Get*",
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
