/**
 * An emulation of IAM's evaluation of one identity policy, for the tests of the CI roles: an explicit Deny wins,
 * then any Allow whose action, resource and every condition match. Wildcards `*` and `?` in actions (case-insensitive)
 * and resources; condition operators StringEquals, StringLike, ArnLike, ArnEquals, Bool. A condition key missing from
 * the request fails its condition, as in IAM. Not modelled: NotAction/NotResource, IfExists, policy variables, SCPs.
 */
export interface Request {
  readonly action: string;
  readonly resource: string;
  /** Condition keys of the request, e.g. aws:RequestTag/project, iam:PermissionsBoundary, ec2:CreateAction. */
  readonly context?: Readonly<Record<string, string>>;
}

type Statement = { Effect: string; Action: string | string[]; Resource: string | string[]; Condition?: Record<string, Record<string, string | string[]>> };

const glob = (pattern: string, flags = "") =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    flags,
  );
const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

const OPERATORS: Record<string, (value: string, pattern: string) => boolean> = {
  StringEquals: (v, p) => v === p,
  ArnEquals: (v, p) => v === p,
  Bool: (v, p) => v === p,
  StringLike: (v, p) => glob(p).test(v),
  ArnLike: (v, p) => glob(p).test(v),
};

function matches(s: Statement, r: Request): boolean {
  if (!list(s.Action).some((a) => glob(a, "i").test(r.action))) return false;
  if (!list(s.Resource).some((p) => glob(p).test(r.resource))) return false;
  return Object.entries(s.Condition ?? {}).every(([op, keys]) => {
    const test = OPERATORS[op];
    if (!test) throw new Error(`iam-eval: condition operator ${op} is not emulated`);
    return Object.entries(keys).every(([key, values]) => {
      const value = r.context?.[key];
      return value !== undefined && list(values).some((p) => test(value, p));
    });
  });
}

/** Whether the policy allows the request. */
export function allows(policy: { Statement: Statement[] }, r: Request): boolean {
  const hit = policy.Statement.filter((s) => matches(s, r));
  return hit.some((s) => s.Effect === "Allow") && !hit.some((s) => s.Effect === "Deny");
}
