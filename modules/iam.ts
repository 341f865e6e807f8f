import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { jsonDocument } from "./json-document";

export interface PolicyStatement {
  /** Says what the statement is for; also the statement's Sid. */
  readonly sid: string;
  readonly actions: string[];
  /** Resource ARNs, from resource references. `*` only where AWS offers no resource-level permission (say so in `wildcardReason`). */
  readonly resources: string[];
  /** AWS's reason when `resources` must be `*`; required then, and listed by the IAM walk test. */
  readonly wildcardReason?: string;
  readonly conditions?: Record<string, Record<string, string | string[]>>;
}

/** A policy document as JSON text; Terraform references inside stay `${...}` strings, so reviewers can read it. */
export function policyDocument(statements: readonly PolicyStatement[]): string {
  return jsonDocument({
    Version: "2012-10-17",
    Statement: statements.map((s) => {
      if (s.resources.includes("*") && !s.wildcardReason) {
        throw new Error(`IAM statement "${s.sid}" uses Resource "*" without a wildcardReason`);
      }
      return {
        Sid: s.sid.replace(/[^A-Za-z0-9]/g, ""),
        Effect: "Allow",
        Action: s.actions,
        Resource: s.resources,
        ...(s.conditions ? { Condition: s.conditions } : {}),
      };
    }),
  });
}

export interface ServiceRoleProps {
  readonly name: string;
  /** Service principal(s) that assume the role, e.g. "glue.amazonaws.com". */
  readonly servicePrincipals: string[];
  readonly description: string;
  /** One inline policy per concern, keyed by concern name. */
  readonly policies: Record<string, readonly PolicyStatement[]>;
  readonly tags?: Record<string, string>;
}

/** An IAM role for one AWS service, with one inline policy document per concern. */
export class ServiceRole extends Construct {
  readonly role: IamRole;
  readonly arn: string;
  readonly name: string;

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, "role", {
      name: props.name,
      description: props.description,
      assumeRolePolicy: jsonDocument({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: props.servicePrincipals }, Action: "sts:AssumeRole" }],
      }),
      tags: props.tags,
    });
    for (const [concern, statements] of Object.entries(props.policies)) this.allow(concern, statements);
    this.arn = this.role.arn;
    this.name = this.role.name;
  }

  /** Adds one concern's inline policy; for statements on resources that need the role first (the role's own user). */
  allow(concern: string, statements: readonly PolicyStatement[]): void {
    if (statements.length === 0) return;
    new IamRolePolicy(this, concern, { role: this.role.id, name: concern, policy: policyDocument(statements) });
  }
}
