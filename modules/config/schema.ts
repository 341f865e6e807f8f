import { z } from "zod";
import { vpcCidrProblem } from "./diagnose";

/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const logRetentionDays = z
  .number()
  .int()
  .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
    message: `must be one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(", ")}`,
  });

/** An S3 key prefix: lower-case path segments ending in "/". */
const s3Prefix = z.string().regex(/^([a-z0-9_.-]+\/)+$/, "must be lower-case path segments ending in '/', e.g. 'daily_flights/'");

const prefixes = z
  .strictObject({
    /** Where `airport_codes.csv` lands. */
    airportCodes: s3Prefix.default("airport_codes/"),
    /** Daily flight files: `<prefix>date=YYYY-MM-DD/*.csv`. The only prefix that starts the pipeline. */
    dailyFlights: s3Prefix.default("daily_flights/"),
    /** Glue job scripts, their Python package and SQL. */
    glueScripts: s3Prefix.default("glue/scripts/"),
    /** Glue's temporary data (Redshift unload/load staging). */
    glueTemp: s3Prefix.default("glue/temp/"),
    /** Rows that broke a row rule, with their reason. */
    quarantine: s3Prefix.default("quarantine/"),
    /** Run reports of the Glue job: `<prefix>runs/<JobRunId>.json`. */
    reports: s3Prefix.default("reports/"),
  })
  .prefault({})
  .superRefine((p, ctx) => {
    const entries = Object.entries(p);
    for (const [a, pa] of entries) {
      for (const [b, pb] of entries) {
        if (a < b && (pa.startsWith(pb) || pb.startsWith(pa))) {
          ctx.addIssue({ code: "custom", path: [a], message: `"${pa}" overlaps prefix "${b}" ("${pb}"); every prefix must be disjoint` });
        }
      }
    }
  });

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
  network: z
    .strictObject({
      /** VPC CIDR block, /16 to /24. Subnets are carved from it. */
      vpcCidr: z.string().superRefine((cidr, ctx) => {
        const problem = vpcCidrProblem(cidr);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
      /** How the Glue job reaches AWS APIs other than S3: VPC interface endpoints or a NAT gateway. */
      awsApiAccess: z.enum(["interface-endpoints", "nat"]).default("interface-endpoints"),
      /** Days to keep VPC flow logs. */
      flowLogRetentionDays: logRetentionDays.default(365),
    })
    .prefault({ vpcCidr: "10.40.0.0/16" }),
  storage: z
    .strictObject({
      prefixes,
      /** Allow `terraform destroy` to delete a non-empty bucket. Keep false where data matters. */
      forceDestroy: z.boolean().default(false),
      /** Days after which Glue temp objects are deleted. */
      glueTempExpirationDays: z.number().int().min(1).max(365).default(7),
      /** Days to keep S3 access logs. */
      accessLogExpirationDays: z.number().int().min(1).max(3650).default(90),
    })
    .prefault({}),
  catalog: z
    .strictObject({
      /**
       * Manage the Data Catalog encryption settings (one per account and region) from this stack. Synth refuses
       * two environments that would both manage one account's and region's settings.
       */
      manageCatalogEncryption: z.boolean().default(true),
    })
    .prefault({}),
  warehouse: z
    .strictObject({
      /** Database created in the namespace. */
      databaseName: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,63}$/, "must be a lower-case Redshift identifier")
        .default("dev"),
      /** Schema of the dimension and fact tables. */
      schema: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,126}$/, "must be a lower-case Redshift identifier")
        .default("airlines"),
      /** Admin user; its password is generated and kept by Redshift in Secrets Manager. */
      adminUsername: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,127}$/, "must be a lower-case Redshift identifier")
        .default("admin"),
      /** Base capacity of the workgroup in RPUs: 8 to 512 in steps of 8. */
      baseCapacityRpu: z.number().int().min(8).max(512).multipleOf(8).default(8),
      /** Most RPUs a burst may scale to (and bill): at least the base, in steps of 8. Default: 4 x the base. */
      maxCapacityRpu: z.number().int().max(5632).multipleOf(8).optional(),
      /** Days a deleted ETL-user secret stays restorable: 7 to 30, or 0 to delete at once (lets dev be re-created at once). */
      secretRecoveryDays: z.union([z.literal(0), z.number().int().min(7).max(30)]).default(7),
      /** Database user of the Glue job and the JDBC crawler (created by seed:warehouse; password in the stack's secret). */
      etlUsername: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,127}$/, "must be a lower-case Redshift identifier")
        .default("glue_etl"),
    })
    .prefault({})
    .refine((w) => w.maxCapacityRpu === undefined || w.maxCapacityRpu >= w.baseCapacityRpu, {
      message: "must be at least warehouse.baseCapacityRpu",
      path: ["maxCapacityRpu"],
    })
    .refine((w) => w.etlUsername !== w.adminUsername, {
      message: "must differ from warehouse.adminUsername (the job must not work as the admin)",
      path: ["etlUsername"],
    })
    .transform((w) => ({ ...w, maxCapacityRpu: w.maxCapacityRpu ?? 4 * w.baseCapacityRpu })),
  etl: z
    .strictObject({
      /** Glue version of the job; the local pyspark is pinned to its Spark. */
      glueVersion: z.enum(["5.0"]).default("5.0"),
      workerType: z.enum(["G.1X", "G.2X", "G.4X", "G.8X"]).default("G.1X"),
      numberOfWorkers: z.number().int().min(2).max(299).default(2),
      /** Job run timeout. */
      timeoutMinutes: z.number().int().min(1).max(2880).default(60),
      /** Run on Flex capacity (cheaper, may start later). Glue offers Flex for G.1X and G.2X only. */
      flex: z.boolean().default(false),
      /** Keep only flights whose departure delay exceeds this many minutes; null keeps all flights. */
      depDelayThresholdMinutes: z.number().int().nullable().default(null),
      /** Days to keep the job's logs (a year satisfies common audit rules). */
      logRetentionDays: logRetentionDays.default(365),
    })
    .prefault({})
    .refine((e) => !e.flex || e.workerType === "G.1X" || e.workerType === "G.2X", {
      message: "flex needs workerType G.1X or G.2X",
      path: ["flex"],
    }),
  orchestration: z
    .strictObject({
      /** Seconds between two GetCrawler polls. */
      crawlerPollSeconds: z.number().int().min(5).max(300).default(30),
      /** Polls before a crawler that never gets READY fails the run. */
      crawlerMaxPolls: z.number().int().min(1).max(1000).default(60),
      /** Attempts to start the job while another run holds its single slot. */
      jobStartMaxAttempts: z.number().int().min(1).max(20).default(8),
      /** Days to keep the state machine's execution logs. */
      logRetentionDays: logRetentionDays.default(365),
      /**
       * Longest an execution may run (the state machine's TimeoutSeconds). The pass lease expires with its owner's
       * execution, so a stopped or timed-out owner holds back other passes for at most this long.
       */
      timeoutSeconds: z.number().int().min(600).max(31536000).default(7200),
      /** Seconds a pass waits before it starts, so that a burst of uploads (a folder of days) makes one pass. */
      settleSeconds: z.number().int().min(0).max(900).default(60),
      /** Times a failed pass (crawl or job run) is tried again by its execution before it gives up and says so. */
      failedPassRetries: z.number().int().min(0).max(5).default(2),
      /** Seconds before a failed pass is tried again. */
      retryDelaySeconds: z.number().int().min(60).max(3600).default(600),
    })
    .prefault({}),
  monitoring: z
    .strictObject({
      /** Alarm when one pass quarantines more than this share of its rows (0 to 1). */
      quarantineRatioAlarm: z.number().min(0).max(1).default(0.05),
      /** Alarm when no flight file was processed for this long (a day's file never arrived, or nothing ran). */
      expectNewFileWithinHours: z.number().int().min(2).max(168).default(26),
    })
    .prefault({}),
  trigger: z
    .strictObject({
      /**
       * The safety-net pass: an EventBridge schedule that also starts the pipeline, so files whose event was lost
       * (the rule's target failed, the event went to the dead-letter queue) load anyway. null turns it off.
       */
      schedule: z
        .string()
        .regex(/^(cron|rate)\(.+\)$/, "must be an EventBridge cron(...) or rate(...) expression")
        .nullable()
        .default("cron(0 5 * * ? *)"),
      /** How long EventBridge keeps retrying delivery of one event. */
      maxEventAgeSeconds: z.number().int().min(60).max(86400).default(3600),
      retryAttempts: z.number().int().min(0).max(185).default(10),
    })
    .prefault({}),
  notifications: z
    .strictObject({
      /** Addresses subscribed to success and failure messages (each must confirm by e-mail). */
      emails: z.array(z.email()).default([]),
    })
    .prefault({}),
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
