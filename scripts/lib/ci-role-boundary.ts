import type { CiRoleInput, PolicyDocument, StackArns, Statement } from "./ci-role-arns";

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
export function roleStatements(a: StackArns): Statement[] {
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
    // Policies the stack ships for people (not its roles) to attach: the deploy role may make them, never attach them.
    {
      Sid: "StackManagedPolicies",
      Effect: "Allow",
      Action: [
        "iam:CreatePolicy",
        "iam:DeletePolicy",
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "iam:ListPolicyVersions",
        "iam:CreatePolicyVersion",
        "iam:DeletePolicyVersion",
        "iam:TagPolicy",
        "iam:UntagPolicy",
      ],
      Resource: a.policies,
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
