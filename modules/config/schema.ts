import { z } from "zod";
import { vpcCidrProblem } from "./diagnose";
import { catalog, etl, monitoring, network, notifications, orchestration, queries, storage, trigger, warehouse } from "./layers";

/**
 * Smallest private subnet (prefix length) Redshift Serverless with enhanced VPC routing accepts at a base capacity:
 * AWS's "Considerations when using Amazon Redshift Serverless" (free IP addresses per subnet: 32 RPU 13 -> /27,
 * 64 RPU 21 -> /27, 128 RPU 37 -> /26, 256 RPU 69 -> /25, 512 RPU 133 -> /24; /27 at 8 RPU).
 */
export function minimumSubnetPrefix(baseCapacityRpu: number): number {
  if (baseCapacityRpu <= 64) return 27;
  if (baseCapacityRpu <= 128) return 26;
  if (baseCapacityRpu <= 256) return 25;
  return 24;
}

/** The private subnets are the VPC's first /(n+4) blocks (modules/network.ts). */
export const SUBNET_PREFIX_BITS = 4;

const environmentObject = z.strictObject({
  /** AWS region of every resource of this environment. */
  region: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, "must be an AWS region such as us-east-1"),
  /**
   * The AWS account the stack deploys to, when environments live in different accounts. Only used to tell
   * which environments share account-wide settings; absent, environments in the same region share an account.
   */
  account: z
    .string()
    .regex(/^\d{12}$/, "must be a 12-digit AWS account id")
    .optional(),
  /** Availability Zone letters for the three private subnets (Redshift Serverless needs three AZs). */
  availabilityZones: z
    .array(z.string().regex(/^[a-f]$/, "must be an Availability Zone letter from 'a' to 'f'"))
    .min(3, "Redshift Serverless needs subnets in at least three Availability Zones")
    .refine((azs) => new Set(azs).size === azs.length, "must not repeat a letter")
    .default(["a", "b", "c"]),
  /** Tags added to every resource (besides project and environment). */
  tags: z.record(z.string(), z.string()).default({}),
  /**
   * Every IAM role of the stack carries the permissions boundary `npm run ci-roles` ships (policy
   * `<project>-<env>-ci-role-boundary`); required when the CI deploy role deploys, since it may only make bounded roles.
   */
  permissionsBoundary: z.boolean().default(false),
  network,
  storage,
  catalog,
  warehouse,
  etl,
  orchestration,
  monitoring,
  trigger,
  notifications,
  queries,
});

const backendSchema = z.discriminatedUnion("type", [
  /** State files next to the project: for trying the stacks out, not for a team. */
  z.strictObject({ type: z.literal("local") }),
  /** State in an existing S3 bucket (one key per stack), locked with S3 lock files or a DynamoDB table. */
  z.strictObject({
    type: z.literal("s3"),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name"),
    region: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, "must be an AWS region such as us-east-1"),
    keyPrefix: z
      .string()
      .regex(/^([A-Za-z0-9_.-]+\/)*$/, "must be empty or path segments ending in '/'")
      .default("terraform/"),
    /** Lock with this DynamoDB table instead of S3 lock files. */
    dynamodbTable: z.string().min(3).optional(),
  }),
  z.strictObject({
    type: z.literal("cloud"),
    /** Terraform Cloud organization. */
    organization: z.string().min(1),
    /** Terraform Cloud / Enterprise host. */
    hostname: z.string().default("app.terraform.io"),
  }),
]);

/** Time a pass needs besides crawl and job: DynamoDB, the report, metrics, the message. */
export const PASS_OVERHEAD_SECONDS = 300;

/** The longest a pass can take with these settings: the settle wait, every crawler poll, the whole job timeout and the overhead. */
export function longestPassSeconds(env: Pick<z.infer<typeof environmentObject>, "orchestration" | "etl">): number {
  const { settleSeconds, crawlerMaxPolls, crawlerPollSeconds } = env.orchestration;
  return settleSeconds + crawlerMaxPolls * crawlerPollSeconds + env.etl.timeoutMinutes * 60 + PASS_OVERHEAD_SECONDS;
}

const environmentSchema = environmentObject.superRefine((env, ctx) => {
  const longest = longestPassSeconds(env);
  if (env.orchestration.timeoutSeconds < longest) {
    ctx.addIssue({
      code: "custom",
      path: ["orchestration", "timeoutSeconds"],
      message: `${env.orchestration.timeoutSeconds} s is shorter than one pass can take (${longest} s: settleSeconds + crawlerMaxPolls x crawlerPollSeconds + etl.timeoutMinutes x 60 + ${PASS_OVERHEAD_SECONDS} s); raise it or lower those`,
    });
  }
  const vpcPrefix = Number(env.network.vpcCidr.split("/")[1]);
  const subnetPrefix = vpcPrefix + SUBNET_PREFIX_BITS;
  const needed = minimumSubnetPrefix(env.warehouse.baseCapacityRpu);
  if (subnetPrefix > needed && !vpcCidrProblem(env.network.vpcCidr)) {
    ctx.addIssue({
      code: "custom",
      path: ["network", "vpcCidr"],
      message: `its private subnets are /${subnetPrefix}; warehouse.baseCapacityRpu ${env.warehouse.baseCapacityRpu} needs subnets of at least /${needed} (Redshift Serverless with enhanced VPC routing): use a VPC of /${needed - SUBNET_PREFIX_BITS} or larger`,
    });
  }
});

export const pipelineConfigSchema = z.strictObject({
  /** Name prefix of every resource: lower-case letters, digits and '-'. */
  project: z.string().regex(/^[a-z][a-z0-9-]{1,19}$/, "must be 2-20 lower-case letters, digits or '-', starting with a letter"),
  /** Where Terraform keeps state: local files, or one Terraform Cloud workspace per stack. */
  backend: backendSchema.default({ type: "local" }),
  environments: z
    .record(z.string().regex(/^[a-z][a-z0-9]{1,7}$/, "environment names are 2-8 lower-case letters or digits"), environmentSchema)
    .refine((envs) => Object.keys(envs).length > 0, "must define at least one environment")
    .superRefine((envs, ctx) => {
      for (const [first, second] of catalogEncryptionConflicts(envs)) {
        ctx.addIssue({
          code: "custom",
          path: [second, "catalog", "manageCatalogEncryption"],
          message: `both "${first}" and "${second}" manage the Data Catalog encryption of account ${envs[first].account ?? "(same, no account set)"} in ${envs[first].region}, and whichever applies last wins: set catalog.manageCatalogEncryption to false in one of them, or set "account" when they deploy to different accounts`,
        });
      }
    }),
});

/** Pairs of environments that would both manage one account's and region's catalog encryption settings. */
export function catalogEncryptionConflicts(
  envs: Record<string, { region: string; account?: string; catalog: { manageCatalogEncryption: boolean } }>,
): Array<[string, string]> {
  const managing = Object.entries(envs).filter(([, e]) => e.catalog.manageCatalogEncryption);
  // Without an account id on both, two environments in one region are taken to share the account.
  const sameAccount = (a?: string, b?: string) => a === undefined || b === undefined || a === b;
  return managing.flatMap(([name, e], i) =>
    managing
      .slice(i + 1)
      .filter(([, other]) => other.region === e.region && sameAccount(e.account, other.account))
      .map(([otherName]): [string, string] => [name, otherName]),
  );
}

export type PipelineConfig = z.infer<typeof pipelineConfigSchema>;
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type BackendConfig = z.infer<typeof backendSchema>;
export type StoragePrefixes = EnvironmentConfig["storage"]["prefixes"];
