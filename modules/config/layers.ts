import { z } from "zod";
import { vpcCidrProblem } from "./diagnose";

// The settings of each layer of an environment, composed into one environment in schema.ts.

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
    /** Results of the Athena workgroup over the quarantine and the reports. */
    queryResults: s3Prefix.default("query-results/"),
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

/** The quarantine and the run reports are partitioned by the UTC day of the pass: `<folder>run_date=YYYY-MM-DD/`. */
export const RUN_DATE_PARTITION = "run_date";

/**
 * What the Glue job writes under the reports prefix: a report per job run (`runs/run_date=<day>/<JobRunId>.json`;
 * `runsOfDay` is the part before the day) and a marker per flight file set aside as unreadable
 * (glue-jobs/flights_set_aside.py).
 */
export function reportFolders(reports: string): { readonly runs: string; readonly runsOfDay: string; readonly setAside: string } {
  return { runs: `${reports}runs/`, runsOfDay: `${reports}runs/${RUN_DATE_PARTITION}=`, setAside: `${reports}set-aside/` };
}

export const network = z
  .strictObject({
    /** VPC CIDR block, /16 to /23 (host bits clear). Subnets are carved from it. */
    vpcCidr: z.string().superRefine((cidr, ctx) => {
      const problem = vpcCidrProblem(cidr);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    /** How the Glue job reaches AWS APIs other than S3: VPC interface endpoints or a NAT gateway. */
    awsApiAccess: z.enum(["interface-endpoints", "nat"]).default("interface-endpoints"),
    /** Days to keep VPC flow logs. */
    flowLogRetentionDays: logRetentionDays.default(365),
  })
  .prefault({ vpcCidr: "10.40.0.0/16" });

export const storage = z
  .strictObject({
    prefixes,
    /** Allow `terraform destroy` to delete a non-empty bucket. Keep false where data matters. */
    forceDestroy: z.boolean().default(false),
    /** Days after which Glue temp objects are deleted. */
    glueTempExpirationDays: z.number().int().min(1).max(365).default(7),
    /** Days to keep S3 access logs. */
    accessLogExpirationDays: z.number().int().min(1).max(3650).default(90),
    /** Days after which Athena query results are deleted. */
    queryResultExpirationDays: z.number().int().min(1).max(365).default(30),
  })
  .prefault({});

export const queries = z
  .strictObject({
    /** An Athena query of the operations data that would scan more than this is cancelled (Athena bills per byte). */
    bytesScannedCutoffMb: z.number().int().min(10).max(1048576).default(1024),
    /** First day of the quarantine's projected partitions (yyyy-MM-dd): days before it are never listed. */
    partitionsSince: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a day as yyyy-MM-dd, e.g. 2026-01-01")
      .default("2026-01-01"),
  })
  .prefault({});

export const catalog = z
  .strictObject({
    /**
     * Manage the Data Catalog encryption settings (one per account and region) from this stack. Synth refuses
     * two environments that would both manage one account's and region's settings.
     */
    manageCatalogEncryption: z.boolean().default(true),
  })
  .prefault({});

export const warehouse = z
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
  .transform((w) => ({ ...w, maxCapacityRpu: w.maxCapacityRpu ?? 4 * w.baseCapacityRpu }));

export const etl = z
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
  });

export const orchestration = z
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
  .prefault({});

export const monitoring = z
  .strictObject({
    /** Alarm when one pass quarantines more than this share of its rows (0 to 1). */
    quarantineRatioAlarm: z.number().min(0).max(1).default(0.05),
    /** Alarm when no flight file was processed for this long (a day's file never arrived, or nothing ran). */
    expectNewFileWithinHours: z.number().int().min(2).max(168).default(26),
  })
  .prefault({});

export const trigger = z
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
  .prefault({});

export const notifications = z
  .strictObject({
    /** Addresses subscribed to success and failure messages (each must confirm by e-mail). */
    emails: z.array(z.email()).default([]),
  })
  .prefault({});
