/* eslint-disable @typescript-eslint/no-explicit-any */
import { jsonataExpressions } from "../modules/asl-files";
import { evaluatedExpressions, simulate, steppingClock, type TaskCall, TaskFailure } from "./support/asl-simulator";
import { MotoServer } from "./support/moto-server";
import { MotoLeaseTable, runReport } from "./support/pipeline-world";
import { only, ref, synth } from "./support/synth";

/**
 * One execution of the synthesized definition at a time, with scripted Glue, S3, CloudWatch and SNS answers; the
 * lease writes go to a real DynamoDB API (moto), which evaluates their conditions.
 */
const dev = synth("dev");
const definition = JSON.parse(only(dev, "aws_sfn_state_machine").definition);
const CRAWLER = ref(dev, "aws_glue_crawler", (c) => c.s3_target, "name");
const BUCKET = ref(dev, "aws_s3_bucket", (b) => b.bucket_prefix?.includes("-data-"), "bucket");
const ME = "arn:aws:states:us-east-1:000000000000:execution:pipeline:test";
const OTHER = "arn:aws:states:us-east-1:000000000000:execution:pipeline:other";
const S3_EVENT_INPUT = {
  bucket: "airline-ingest-dev-data-x",
  key: "daily_flights/date=2001-01-15/flights.csv",
  eventTime: "2026-01-01T10:00:00Z",
  source: "s3",
};
const moto = new MotoServer();
beforeAll(() => moto.start(), 60_000);
afterAll(() => moto.stop());

/** GetCrawler as Glue answers it: LastCrawl describes the previous crawl while one is RUNNING or STOPPING. */
const crawler = (state: string, lastCrawl?: { Status: string; ErrorMessage?: string }) => ({
  Crawler: {
    Name: "crawler",
    State: state,
    CrawlElapsedTime: 1000,
    ...(lastCrawl ? { LastCrawl: { ...lastCrawl, LogGroup: "/aws-glue/crawlers", StartTime: "2026-01-01T10:00:00Z" } } : {}),
  },
});
const JOB_RUN = {
  Id: "jr_0123456789abcdef",
  JobName: "airline-ingest-dev-etl-flights-ingest",
  JobRunState: "SUCCEEDED",
  Attempt: 0,
  ExecutionTime: 95,
  StartedOn: "2026-01-01T10:01:00Z",
  CompletedOn: "2026-01-01T10:02:35Z",
  GlueVersion: "5.0",
};
const FILES = Array.from({ length: 12 }, (_, i) => `daily_flights/date=2001-01-${String(i + 1).padStart(2, "0")}/flights.csv`);
const REPORT = runReport(FILES);

interface Scenario {
  startCrawler?: () => any;
  crawls?: any[];
  job?: Array<() => any>;
  report?: () => any;
  putMetrics?: () => any;
  publish?: () => any;
  ownerStatus?: string;
}

function aws(table: MotoLeaseTable, s: Scenario) {
  const crawls = [...(s.crawls ?? [crawler("RUNNING", { Status: "SUCCEEDED" }), crawler("READY", { Status: "SUCCEEDED" })])];
  const jobs = [...(s.job ?? [() => JOB_RUN])];
  return (call: TaskCall) => {
    switch (call.resource) {
      case "arn:aws:states:::dynamodb:updateItem":
        expect(call.args.TableName).toBe(ref(dev, "aws_dynamodb_table", () => true, "name"));
        return table.update(call.args);
      case "arn:aws:states:::aws-sdk:glue:startCrawler":
        return s.startCrawler ? s.startCrawler() : {};
      case "arn:aws:states:::aws-sdk:glue:getCrawler":
        return crawls.length > 1 ? crawls.shift() : crawls[0];
      case "arn:aws:states:::glue:startJobRun.sync":
        return (jobs.length > 1 ? jobs.shift()! : jobs[0])();
      case "arn:aws:states:::aws-sdk:s3:getObject":
        return s.report ? s.report() : { Body: JSON.stringify(REPORT), ContentType: "application/json" };
      case "arn:aws:states:::aws-sdk:cloudwatch:putMetricData":
        return s.putMetrics ? s.putMetrics() : {};
      case "arn:aws:states:::sns:publish":
        return s.publish ? s.publish() : { MessageId: "m-1" };
      case "arn:aws:states:::aws-sdk:sfn:describeExecution":
        return { ExecutionArn: call.args.ExecutionArn, Status: s.ownerStatus ?? "RUNNING" };
      default:
        throw new Error(`unexpected resource ${call.resource}`);
    }
  };
}

async function run(s: Scenario = {}, input: any = S3_EVENT_INPUT, before?: (table: MotoLeaseTable) => Promise<unknown>) {
  const table = await new MotoLeaseTable(moto.clientConfig).create();
  await before?.(table);
  const out = await simulate(definition, input, aws(table, s), { executionArn: ME });
  return { ...out, lease: await table.item() };
}

const published = (calls: TaskCall[]) =>
  calls.filter((c) => c.resource.endsWith("sns:publish")).map((c) => ({ subject: c.args.Subject as string, message: JSON.parse(c.args.Message) }));
const jobStarts = (calls: TaskCall[]) => calls.filter((c) => c.resource.endsWith("startJobRun.sync")).length;
const metricsSent = (calls: TaskCall[]) => calls.filter((c) => c.resource.endsWith("putMetricData")).map((c) => c.args);

function expectValidSubject(subject: string) {
  expect(subject.length).toBeLessThanOrEqual(100);
  expect(subject).not.toMatch(/[\r\n]/);
}

/** The lease as a finished execution must leave it: no owner, nothing waiting. */
function expectReleased(lease: any) {
  expect(lease).toBeDefined();
  expect(lease.owner).toBeUndefined();
  expect(lease.expiresAt).toBeUndefined();
}

/** Holds the lease for another execution that started now (the item as AcquireLease writes it). */
const heldBy =
  (owner: string, expiresInSeconds: number, requests = 1) =>
  (table: MotoLeaseTable) =>
    table.update({
      Key: { id: { S: "pass" } },
      UpdateExpression: "SET #owner = :o, expiresAt = :e, requests = :r",
      ExpressionAttributeNames: { "#owner": "owner" },
      ExpressionAttributeValues: {
        ":o": { S: owner },
        ":e": { N: String(Date.parse("2026-01-01T00:00:00Z") / 1000 + expiresInSeconds) },
        ":r": { N: String(requests) },
      },
    });

/** SNS refusing the message (the topic's policy or key). */
const publishDenied = () => {
  throw new TaskFailure("SNS.AuthorizationErrorException", "not allowed");
};

/** What RecordRequest of another execution writes. */
const recordRequest = (table: MotoLeaseTable) =>
  table.update({ Key: { id: { S: "pass" } }, UpdateExpression: "ADD requests :one", ExpressionAttributeValues: { ":one": { N: "1" } } });
/** What a release by `owner` writes. */
const releaseBy = (table: MotoLeaseTable, owner: string) =>
  table.update({
    Key: { id: { S: "pass" } },
    UpdateExpression: "REMOVE #owner, expiresAt",
    ConditionExpression: "#owner = :o",
    ExpressionAttributeNames: { "#owner": "owner" },
    ExpressionAttributeValues: { ":o": { S: owner } },
  });

describe("state machine, one pass (JSONata evaluated with the jsonata package, the lease in moto's DynamoDB)", () => {
  it("settles, waits through RUNNING and STOPPING, runs the job only when READY, then reports the pass once and releases the lease", async () => {
    const out = await run({
      crawls: [crawler("RUNNING", { Status: "SUCCEEDED" }), crawler("STOPPING", { Status: "SUCCEEDED" }), crawler("READY", { Status: "SUCCEEDED" })],
    });
    expect(out.status).toBe("SUCCEEDED");
    expect(out.output).toStrictEqual({ coalesced: false, passes: 1 });
    expect(out.path.filter((s) => s === "GetCrawler")).toHaveLength(3);
    expect(out.path.indexOf("StartJob")).toBeGreaterThan(out.path.lastIndexOf("GetCrawler"));
    expect(out.waits).toStrictEqual([60, 30, 30, 30]);
    const read = out.calls.find((c) => c.state === "ReadRunReport");
    // The job is told its pass's UTC day, and the report is read under that day.
    const start = out.calls.find((c) => c.state === "StartJob");
    const day = start?.args.Arguments["--run_date"];
    expect(day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(start?.args).toStrictEqual({ JobName: ref(dev, "aws_glue_job", () => true, "name"), Arguments: { "--run_date": day } });
    expect(read?.args).toStrictEqual({ Bucket: BUCKET, Key: `reports/runs/run_date=${day}/${JOB_RUN.Id}.json` });
    const [msg] = published(out.calls);
    expect(msg.message).toStrictEqual({
      status: "SUCCEEDED",
      environment: "dev",
      execution: ME,
      pass: 1,
      requests: 1,
      jobRunId: JOB_RUN.Id,
      durationSeconds: 0,
      jobRunSeconds: 95,
      filesProcessed: 12,
      files: FILES.slice(0, 10),
      rowsLoaded: REPORT.rows_loaded,
      rowsQuarantined: 36,
      rowsFiltered: 480,
      quarantineRatio: 0.0025,
      links: {
        execution: `https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${ME}`,
        jobRun: `https://us-east-1.console.aws.amazon.com/gluestudio/home?region=us-east-1#/job/${JOB_RUN.JobName}/run/${JOB_RUN.Id}`,
      },
    });
    expect(msg.subject).toBe(`[dev] Airline ingestion succeeded: 12 files, ${REPORT.rows_loaded} rows loaded`);
    expectValidSubject(msg.subject);
    expectReleased(out.lease);
    expect(out.lease?.requests).toStrictEqual({ N: "0" });
  });

  it("publishes the pass's metrics to the stack's namespace from the run report", async () => {
    const out = await run();
    const [metrics] = metricsSent(out.calls);
    expect(metrics.Namespace).toBe("airline-ingest/dev");
    const value = (name: string) => metrics.MetricData.find((m: any) => m.MetricName === name);
    expect(value("Passes")).toStrictEqual({ MetricName: "Passes", Value: 1, Unit: "Count" });
    expect(value("FilesProcessed")).toStrictEqual({ MetricName: "FilesProcessed", Value: 12, Unit: "Count" });
    expect(value("RowsLoaded")).toStrictEqual({ MetricName: "RowsLoaded", Value: REPORT.rows_loaded, Unit: "Count" });
    expect(value("RowsQuarantined")).toStrictEqual({ MetricName: "RowsQuarantined", Value: 36, Unit: "Count" });
    expect(value("QuarantineRatio")).toStrictEqual({ MetricName: "QuarantineRatio", Value: 36 / 14400, Unit: "None" });
    expect(value("JobRunSeconds")).toStrictEqual({ MetricName: "JobRunSeconds", Value: 95, Unit: "Seconds" });
    expect(value("PassSeconds")).toMatchObject({ MetricName: "PassSeconds", Unit: "Seconds" });
  });

  it("builds the message and metrics from a real run report (npm run local over the sample's five days)", async () => {
    // Printed by `npm run local -- --data ./data` on the README's sample (the same object the Glue job writes).
    const body =
      '{"files_processed": 5, "files_ignored": 0, "rows_in": 1136, "rows_loaded": 1007, "rows_quarantined": 129, "rows_filtered": 0, "files": ["daily_flights/date=2001-01-01/flights.csv", "daily_flights/date=2001-01-02/flights.csv", "daily_flights/date=2001-01-03/flights.csv", "daily_flights/date=2001-01-04/flights.csv", "daily_flights/date=2001-01-05/flights.csv"]}';
    const out = await run({ report: () => ({ Body: body, ContentType: "application/json", ContentLength: body.length }) });
    const [msg] = published(out.calls);
    expect(msg.subject).toBe("[dev] Airline ingestion succeeded: 5 files, 1007 rows loaded");
    expect(msg.message).toMatchObject({ filesProcessed: 5, rowsLoaded: 1007, rowsQuarantined: 129, rowsFiltered: 0, quarantineRatio: 0.1136 });
    expect(msg.message.files).toStrictEqual(JSON.parse(body).files);
    const ratio = metricsSent(out.calls)[0].MetricData.find((m: any) => m.MetricName === "QuarantineRatio").Value;
    expect(ratio).toBeCloseTo(129 / 1136, 10);
    // Above the shipped alarm threshold: this pass would raise the quarantine-ratio alarm.
    expect(ratio).toBeGreaterThan(only(dev, "aws_cloudwatch_metric_alarm", (a) => a.metric_name === "QuarantineRatio").threshold);
  });

  it("sends no message for a pass that found nothing new (a quiet day's safety-net pass); its metrics say 0", async () => {
    const empty = { ...runReport([]), files_ignored: 1 };
    const out = await run({ report: () => ({ Body: JSON.stringify(empty) }) }, { eventTime: "2026-01-01T05:00:00Z", source: "schedule" });
    expect(out.status).toBe("SUCCEEDED");
    const [metrics] = metricsSent(out.calls);
    // A ratio of 0, not a division by zero; FilesProcessed 0 feeds the no-new-files alarm.
    expect(metrics.MetricData.find((m: any) => m.MetricName === "QuarantineRatio").Value).toBe(0);
    expect(metrics.MetricData.find((m: any) => m.MetricName === "FilesProcessed").Value).toBe(0);
    expect(published(out.calls)).toStrictEqual([]);
    expect(out.path).toContain("WorthAMessage");
    expectReleased(out.lease);
  });

  it("still sends the pass's message (saying so) and releases the lease when the report or the metrics fail", async () => {
    const noReport = await run({
      report: () => {
        throw new TaskFailure("S3.NoSuchKeyException", "The specified key does not exist.");
      },
    });
    expect(noReport.status).toBe("SUCCEEDED");
    expect(metricsSent(noReport.calls)).toStrictEqual([]);
    const [a] = published(noReport.calls);
    expect(a.subject).toBe("[dev] Airline ingestion succeeded: no run report");
    expect(a.message).toMatchObject({ status: "SUCCEEDED", jobRunId: JOB_RUN.Id, reportError: { Error: "S3.NoSuchKeyException" } });
    expect(a.message).not.toHaveProperty("filesProcessed");
    expectReleased(noReport.lease);

    const noMetrics = await run({
      putMetrics: () => {
        throw new TaskFailure("CloudWatch.AccessDeniedException", "not authorized to perform: cloudwatch:PutMetricData");
      },
    });
    const [b] = published(noMetrics.calls);
    expect(b.message).toMatchObject({ filesProcessed: 12, metricsError: { Error: "CloudWatch.AccessDeniedException" } });
    expect(b.message).not.toHaveProperty("reportError");
    expectReleased(noMetrics.lease);
  });

  it("waits for a crawl started by hand instead of failing", async () => {
    const out = await run({
      startCrawler: () => {
        throw new TaskFailure("Glue.CrawlerRunningException", "Crawler with name crawler has already started");
      },
    });
    expect(out.status).toBe("SUCCEEDED");
    expect(out.path.slice(0, 7)).toStrictEqual(["RecordTrigger", "AcquireLease", "Settle", "BeginPass", "StartPass", "StartCrawler", "WaitForCrawler"]);
    expect(jobStarts(out.calls)).toBe(1);
  });

  it.each([
    ["FAILED", "Internal Service Exception", `The last crawl of ${CRAWLER} ended FAILED: Internal Service Exception`],
    ["CANCELLED", undefined, `The last crawl of ${CRAWLER} ended CANCELLED`],
  ])(
    "does not run the job after a %s crawl: retried twice, the first and the last failure announced, the lease released, then the execution fails",
    async (status, errorMessage, cause) => {
      const out = await run({ crawls: [crawler("READY", { Status: status, ...(errorMessage ? { ErrorMessage: errorMessage } : {}) })] });
      expect(jobStarts(out.calls)).toBe(0);
      expect(out).toMatchObject({ status: "FAILED", error: "CrawlerFailed", cause });
      expect(out.path.filter((p) => p === "StartPass")).toHaveLength(3);
      expect(out.waits.filter((w) => w === 600)).toHaveLength(2);
      const msgs = published(out.calls);
      expect(msgs).toHaveLength(2);
      expect(msgs[0].message).toMatchObject({ status: "FAILED", retrying: true, retryInSeconds: 600, retriesLeft: 2, error: "CrawlerFailed", cause, pass: 1 });
      expect(msgs[0].subject).toBe("[dev] Airline ingestion FAILED, retrying: CrawlerFailed");
      expect(msgs[1].message).toMatchObject({
        status: "FAILED",
        error: "CrawlerFailed",
        cause,
        objectKey: S3_EVENT_INPUT.key,
        requestsWaiting: 0,
        pass: 3,
        retriedPasses: 2,
      });
      expect(msgs[1].message).not.toHaveProperty("retrying");
      expect(out.path.indexOf("ReleaseAfterFailure")).toBeLessThan(out.path.indexOf("NotifyFailure"));
      expectValidSubject(msgs[0].subject);
      expectReleased(out.lease);
    },
  );

  it("gives up on a crawler that never gets READY after the configured polls, with a notification", async () => {
    const out = await run({ crawls: [crawler("RUNNING", { Status: "SUCCEEDED" })] });
    expect(out.path.filter((s) => s === "GetCrawler")).toHaveLength(3 * 60);
    expect(jobStarts(out.calls)).toBe(0);
    expect(out).toMatchObject({ status: "FAILED", error: "CrawlerTimeout" });
    expect(out.cause).toContain("was still RUNNING after 60 polls, 30 s apart");
    expect(published(out.calls).map((m) => m.message.retrying ?? false)).toStrictEqual([true, false]);
    expectReleased(out.lease);
  });

  it("retries a failed job run once and reports the pass that worked, saying it followed a failed one", async () => {
    const out = await run({
      job: [
        () => {
          throw new TaskFailure("States.TaskFailed", "Redshift was restarting");
        },
        () => JOB_RUN,
      ],
    });
    expect(out.status).toBe("SUCCEEDED");
    expect(published(out.calls).map((m) => [m.message.status, m.message.retrying ?? false, m.message.afterFailedPasses ?? 0])).toStrictEqual([
      ["FAILED", true, 0],
      ["SUCCEEDED", false, 1],
    ]);
    expectReleased(out.lease);
  });

  it("reports a failed job run with the requests waiting, releases the lease and ends FAILED", async () => {
    const cause = JSON.stringify({ ...JOB_RUN, JobRunState: "FAILED", ErrorMessage: "AirportDimensionError: field airport_id: value 10165 appears 2 times" });
    const out = await run({
      job: [
        () => {
          throw new TaskFailure("States.TaskFailed", cause);
        },
      ],
    });
    expect(out).toMatchObject({ status: "FAILED", error: "States.TaskFailed", cause });
    expect(jobStarts(out.calls)).toBe(3);
    const msgs = published(out.calls);
    expect(msgs.map((m) => [m.message.status, m.message.retrying ?? false])).toStrictEqual([
      ["FAILED", true],
      ["FAILED", false],
    ]);
    expect(msgs[1].message.cause).toContain("appears 2 times");
    expect(msgs[1].message.links.execution).toContain(ME);
    expect(msgs[1].subject).toBe("[dev] Airline ingestion FAILED: States.TaskFailed");
    expectReleased(out.lease);
  });

  it("retries the job while a run started by hand holds its only slot, with the configured backoff", async () => {
    const busy = () => {
      throw new TaskFailure("Glue.ConcurrentRunsExceededException", "Concurrent runs exceeded for airline-ingest-dev-etl-flights-ingest");
    };
    const out = await run({ job: [busy, busy, () => JOB_RUN] });
    expect(out.status).toBe("SUCCEEDED");
    expect(jobStarts(out.calls)).toBe(3);
    const always = await run({ job: [busy] });
    // Each of the three passes (the first and its two retries) tries the job 1 + MaxAttempts times.
    expect(jobStarts(always.calls)).toBe(3 * (1 + definition.States.StartJob.Retry[0].MaxAttempts));
    // Full jitter up to 60 s x 2^n, capped at 900 s (the simulator draws the largest delay).
    expect(always.retryDelays.slice(0, 8).map((ms) => Math.round(ms / 1000))).toStrictEqual([60, 120, 240, 480, 900, 900, 900, 900]);
    expect(always).toMatchObject({ status: "FAILED", error: "Glue.ConcurrentRunsExceededException" });
    expect(published(always.calls).map((m) => m.message.status)).toStrictEqual(["FAILED", "FAILED"]);
    expectReleased(always.lease);
  });

  it("still ends FAILED with the original error when the failure message cannot be sent", async () => {
    const out = await run({
      crawls: [crawler("READY", { Status: "FAILED" })],
      publish: publishDenied,
    });
    expect(out).toMatchObject({ status: "FAILED", error: "CrawlerFailed" });
    expectReleased(out.lease);
  });

  it("releases the lease even when the success message cannot be sent", async () => {
    const out = await run({
      publish: publishDenied,
    });
    expect(out.status).toBe("SUCCEEDED");
    expectReleased(out.lease);
  });

  it("reports a run started by hand or by the schedule without an object key", async () => {
    for (const input of [{}, { source: "schedule", eventTime: "2026-01-01T06:00:00Z" }]) {
      const out = await run({}, input);
      const msgs = published(out.calls);
      expect(out.status).toBe("SUCCEEDED");
      expect(msgs).toHaveLength(1);
      expect(msgs[0].message).not.toHaveProperty("objectKey");
    }
  });
});

describe("state machine, the lease", () => {
  it("records its request and ends SUCCEEDED at once, naming the owner, when a running execution holds the lease", async () => {
    const out = await run({}, S3_EVENT_INPUT, heldBy(OTHER, 7200, 3));
    expect(out.status).toBe("SUCCEEDED");
    expect(out.output).toStrictEqual({ coalesced: true, owner: OTHER, requestsWaiting: 4 });
    expect(out.path).toStrictEqual(["RecordTrigger", "AcquireLease", "RecordRequest", "DescribeOwner", "IsOwnerRunning", "Coalesced"]);
    expect(published(out.calls)).toStrictEqual([]);
    expect(out.lease).toMatchObject({ owner: { S: OTHER }, requests: { N: "4" } });
    expect(out.lease?.lastRequestAt).toBeDefined();
  });

  it("takes the lease over at once from an owner that was stopped, timed out or failed without releasing", async () => {
    for (const ownerStatus of ["ABORTED", "TIMED_OUT", "FAILED"]) {
      const out = await run({ ownerStatus }, S3_EVENT_INPUT, heldBy(OTHER, 7200, 2));
      expect(out.status).toBe("SUCCEEDED");
      expect(out.path).toContain("TakeOverLease");
      expect(jobStarts(out.calls)).toBe(1);
      // The pass serves the stale owner's waiting requests and this one.
      expect(published(out.calls)[0].message.requests).toBe(3);
      expect(out.lease).toMatchObject({ tookOverFrom: { S: OTHER } });
      expectReleased(out.lease);
    }
  });

  it("keeps the request recorded when the owner's status cannot be read (the lease expires on time)", async () => {
    const table = await new MotoLeaseTable(moto.clientConfig).create();
    await heldBy(OTHER, 7200)(table);
    const handler = aws(table, {});
    const out = await simulate(
      definition,
      S3_EVENT_INPUT,
      (call) => {
        if (call.resource.endsWith("describeExecution")) throw new TaskFailure("Sfn.AccessDeniedException", "not authorized");
        return handler(call);
      },
      { executionArn: ME },
    );
    expect(out.output).toMatchObject({ coalesced: true, owner: OTHER });
  });

  it("does not record a request on a lease whose time ran out after the acquire attempt, even when the owner cannot be described", async () => {
    const table = await new MotoLeaseTable(moto.clientConfig).create();
    await heldBy(OTHER, 0)(table); // expires exactly at this execution's start: AcquireLease (expiresAt < now) fails
    const handler = aws(table, {});
    const start = Date.parse("2026-01-01T00:00:00Z");
    const clock = steppingClock(start);
    const out = await simulate(
      definition,
      S3_EVENT_INPUT,
      async (call) => {
        if (call.resource.endsWith("describeExecution")) throw new TaskFailure("Sfn.AccessDeniedException", "not authorized");
        try {
          return await handler(call);
        } finally {
          if (call.state === "AcquireLease" && clock.now() === start) clock.set(start + 2000); // the lease runs out while this call returns
        }
      },
      { executionArn: ME, clock },
    );
    expect(out.path.slice(0, 5)).toStrictEqual(["RecordTrigger", "AcquireLease", "RecordRequest", "Contended", "AcquireLease"]);
    expect(out.output).toStrictEqual({ coalesced: false, passes: 1 });
  });

  it("acquires a lease whose time is up without asking about its owner", async () => {
    const out = await run({}, S3_EVENT_INPUT, heldBy(OTHER, -1));
    expect(out.path.slice(0, 3)).toStrictEqual(["RecordTrigger", "AcquireLease", "Settle"]);
    expect(out.calls.some((c) => c.resource.endsWith("describeExecution"))).toBe(false);
    expectReleased(out.lease);
  });

  it("writes an expiry no later than the execution's own timeout", async () => {
    const table = await new MotoLeaseTable(moto.clientConfig).create();
    let expiry: number | undefined;
    const handler = aws(table, {});
    await simulate(
      definition,
      S3_EVENT_INPUT,
      async (call) => {
        const result = await handler(call);
        if (call.state === "AcquireLease") expiry = Number((await table.item())?.expiresAt.N);
        return result;
      },
      { executionArn: ME },
    );
    expect(expiry).toBe(Date.parse("2026-01-01T00:00:00Z") / 1000 + definition.TimeoutSeconds);
  });

  it("runs another pass when a request arrived during the pass; the release never drops it", async () => {
    const table = await new MotoLeaseTable(moto.clientConfig).create();
    const handler = aws(table, {});
    let jobRuns = 0;
    const out = await simulate(
      definition,
      S3_EVENT_INPUT,
      async (call) => {
        // Another execution's RecordRequest lands while the first job runs.
        if (call.state === "StartJob" && ++jobRuns === 1) await recordRequest(table);
        return handler(call);
      },
      { executionArn: ME },
    );
    expect(out.output).toStrictEqual({ coalesced: false, passes: 2 });
    expect(jobStarts(out.calls)).toBe(2);
    expect(published(out.calls).map((m) => [m.message.pass, m.message.requests])).toStrictEqual([
      [1, 1],
      [2, 1],
    ]);
    expectReleased(await table.item());
  });

  it("hands a further pass to a new execution when the longest pass would outlive its timeout, keeping the requests counted", async () => {
    const table = await new MotoLeaseTable(moto.clientConfig).create();
    const handler = aws(table, {});
    const start = Date.parse("2026-01-01T00:00:00Z");
    const clock = steppingClock(start);
    const out = await simulate(
      definition,
      S3_EVENT_INPUT,
      async (call) => {
        if (call.state === "StartJob") {
          await recordRequest(table);
          clock.set(start + (definition.TimeoutSeconds - 600) * 1000); // a long job run: the next pass would not fit
        }
        if (call.state === "StartSuccessor") return { ExecutionArn: `${ME}-successor`, StartDate: new Date(clock.now()).toISOString() };
        return handler(call);
      },
      { executionArn: ME, clock, stateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:pipeline" },
    );
    expect(out.status).toBe("SUCCEEDED");
    expect(out.output).toStrictEqual({ coalesced: false, passes: 1, handedOffTo: `${ME}-successor` });
    const start2 = out.calls.find((c) => c.state === "StartSuccessor");
    expect(start2?.args).toStrictEqual({
      StateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:pipeline",
      Input: JSON.stringify({ source: "handoff", from: ME }),
    });
    const lease = await table.item();
    expectReleased(lease);
    expect(lease?.requests).toStrictEqual({ N: "1" });
  });

  it("tries the lease again when it changed hands between two writes, and fails (releasing nothing of others) after 10 rounds", async () => {
    const table = await new MotoLeaseTable(moto.clientConfig).create();
    await heldBy(OTHER, 7200)(table);
    const handler = aws(table, {});
    // The owner releases just before this execution records its request; then the lease is free.
    const once = await simulate(
      definition,
      S3_EVENT_INPUT,
      async (call) => {
        if (call.state === "RecordRequest") await releaseBy(table, OTHER);
        return handler(call);
      },
      { executionArn: ME },
    );
    expect(once.path.slice(0, 5)).toStrictEqual(["RecordTrigger", "AcquireLease", "RecordRequest", "Contended", "AcquireLease"]);
    expect(once.output).toStrictEqual({ coalesced: false, passes: 1 });

    // Pathological: the lease is released before every RecordRequest and taken again before every AcquireLease.
    const table2 = await new MotoLeaseTable(moto.clientConfig).create();
    const handler2 = aws(table2, {});
    const never = await simulate(
      definition,
      S3_EVENT_INPUT,
      async (call) => {
        if (call.state === "AcquireLease") await heldBy(OTHER, 7200)(table2);
        if (call.state === "RecordRequest") await releaseBy(table2, OTHER);
        return handler2(call);
      },
      { executionArn: ME },
    );
    expect(never).toMatchObject({ status: "FAILED", error: "LeaseContention" });
    expect(never.path.filter((s) => s === "AcquireLease")).toHaveLength(10);
    expect(published(never.calls)[0].message).toMatchObject({ status: "FAILED", error: "LeaseContention", requestsWaiting: 0 });
  });

  it("evaluated every JSONata expression of the definition in the scenarios above", () => {
    const all = jsonataExpressions(definition).map((e) => e.expression);
    expect(all.length).toBeGreaterThan(30);
    expect(all.filter((e) => !evaluatedExpressions.has(e))).toStrictEqual([]);
  });
});
