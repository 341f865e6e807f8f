import { UserError } from "./user-error";

/** AWS's limits for each kind of name this project creates. */
const NAME_RULES = {
  /** aws_s3_bucket.bucket_prefix: Terraform appends 26 characters and buckets stop at 63. */
  bucketPrefix: { maxLength: 37, pattern: /^[a-z0-9][a-z0-9-]*-$/ },
  iamRole: { maxLength: 64, pattern: /^[A-Za-z0-9+=,.@_-]+$/ },
  glue: { maxLength: 255, pattern: /^[A-Za-z0-9_-]+$/ },
  /** Glue catalog databases: lower case and underscores so Athena and Redshift Spectrum can use them. */
  glueDatabase: { maxLength: 255, pattern: /^[a-z0-9_]+$/ },
  redshift: { maxLength: 64, pattern: /^[a-z0-9-]{3,}$/ },
  stateMachine: { maxLength: 80, pattern: /^[A-Za-z0-9_-]+$/ },
  dynamodbTable: { maxLength: 255, pattern: /^[A-Za-z0-9_.-]{3,}$/ },
  /** CloudWatch custom namespaces: no "AWS/" prefix (reserved). */
  metricsNamespace: { maxLength: 255, pattern: /^(?!AWS\/)[A-Za-z0-9_./#:-]+$/ },
  dashboard: { maxLength: 255, pattern: /^[A-Za-z0-9_-]+$/ },
  eventRule: { maxLength: 64, pattern: /^[A-Za-z0-9._-]+$/ },
  snsTopic: { maxLength: 256, pattern: /^[A-Za-z0-9_-]+$/ },
  sqsQueue: { maxLength: 80, pattern: /^[A-Za-z0-9_-]+$/ },
  logGroup: { maxLength: 512, pattern: /^[A-Za-z0-9_./#-]+$/ },
  generic: { maxLength: 255, pattern: /^[A-Za-z0-9_.-]+$/ },
} as const;

export type NameKind = keyof typeof NAME_RULES;

export class NameTooLongError extends UserError {}

/**
 * Every resource name of one environment: `<project>-<env>-<layer>-<purpose>`.
 * The only place where a name is put together, so AWS's limits are checked once.
 */
export class ResourceNames {
  constructor(
    readonly project: string,
    readonly environment: string,
  ) {}

  /** `<project>-<env>`, also the Terraform Cloud workspace and the stack's tag value. */
  get prefix(): string {
    return `${this.project}-${this.environment}`;
  }

  /** The stack's own CloudWatch namespace for the pipeline's per-pass metrics. */
  get metricsNamespace(): string {
    return check(`${this.project}/${this.environment}`, "metricsNamespace");
  }

  name(layer: string, purpose: string, kind: NameKind = "generic"): string {
    const raw = `${this.prefix}-${layer}-${purpose}`;
    return check(kind === "glueDatabase" ? raw.replace(/-/g, "_") : raw, kind);
  }

  /** The JDBC crawler over the Redshift tables; seed:warehouse runs it after loading the dimension. */
  get redshiftCrawler(): string {
    return this.name("catalog", "redshift-tables", "glue");
  }

  /** The IAM policy `npm run ci-roles` ships as the boundary of every role the CI deploy role may make. */
  get roleBoundaryPolicy(): string {
    return this.name("ci", "role-boundary", "iamRole");
  }

  /** A prefix Terraform completes with a unique suffix (globally unique bucket names without hard-coding one). */
  bucketPrefix(purpose: string): string {
    return check(`${this.prefix}-${purpose}-`, "bucketPrefix");
  }

  /** Step Functions vended-logs group (the `/aws/vendedlogs/` path keeps the log resource policy small). */
  stateMachineLogGroup(purpose: string): string {
    return check(`/aws/vendedlogs/states/${this.name("orchestration", purpose)}`, "logGroup");
  }

  logGroup(service: string, purpose: string): string {
    return check(`/${this.project}/${this.environment}/${service}/${purpose}`, "logGroup");
  }
}

function check(name: string, kind: NameKind): string {
  const rule = NAME_RULES[kind];
  if (name.length > rule.maxLength) {
    throw new NameTooLongError(
      `name "${name}" (${kind}) is ${name.length} characters; AWS allows ${rule.maxLength}. Shorten "project" or the environment name in the config.`,
    );
  }
  if (!rule.pattern.test(name)) {
    throw new NameTooLongError(`name "${name}" (${kind}) does not match ${rule.pattern}`);
  }
  return name;
}
