import type { BackendConfig } from "../../modules/config/schema";
import { ResourceNames } from "../../modules/naming";

export interface CiRoleInput {
  readonly project: string;
  readonly environment: string;
  readonly region: string;
  readonly account: string;
  /** owner/name of the GitHub repository. */
  readonly repository: string;
  readonly backend: BackendConfig;
}

export type Statement = {
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

/** The ARNs of everything a stack names `<project>-<env>-*`, in its region and account. */
export function stackArns(input: CiRoleInput) {
  const { region, account } = input;
  const prefix = `${input.project}-${input.environment}`;
  return {
    prefix,
    s3: [`arn:aws:s3:::${prefix}-*`, `arn:aws:s3:::${prefix}-*/*`],
    roles: `arn:aws:iam::${account}:role/${prefix}-*`,
    /** Managed policies the stack ships for people to attach (the ops query policy); the boundary is one too. */
    policies: `arn:aws:iam::${account}:policy/${prefix}-*`,
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
      `arn:aws:athena:${region}:${account}:workgroup/${prefix}-*`,
    ],
  };
}

export type StackArns = ReturnType<typeof stackArns>;
