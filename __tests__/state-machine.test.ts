/* eslint-disable @typescript-eslint/no-explicit-any */
import { jsonataExpressions } from "../modules/asl-files";
import { evaluatedExpressions, simulate, type TaskCall, TaskFailure } from "./support/asl-simulator";
import { only, ref, synth } from "./support/synth";

const dev = synth("dev");
const definition = JSON.parse(only(dev, "aws_sfn_state_machine").definition);
const CRAWLER = ref(dev, "aws_glue_crawler", (c) => c.s3_target, "name");
const S3_EVENT_INPUT = {
  bucket: "airline-ingest-dev-data-x",
  key: "daily_flights/date=2001-01-15/flights.csv",
  eventTime: "2026-01-01T10:00:00Z",
  source: "s3",
};

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

interface Scenario {
  startCrawler?: () => any;
  crawls?: any[];
  job?: Array<() => any>;
  publish?: () => any;
}

function aws(s: Scenario) {
  const crawls = [...(s.crawls ?? [crawler("RUNNING", { Status: "SUCCEEDED" }), crawler("READY", { Status: "SUCCEEDED" })])];
  const jobs = [...(s.job ?? [() => JOB_RUN])];
  return (call: TaskCall) => {
    switch (call.resource) {
      case "arn:aws:states:::aws-sdk:glue:startCrawler":
        return s.startCrawler ? s.startCrawler() : {};
      case "arn:aws:states:::aws-sdk:glue:getCrawler":
        return crawls.length > 1 ? crawls.shift() : crawls[0];
      case "arn:aws:states:::glue:startJobRun.sync":
        return (jobs.length > 1 ? jobs.shift()! : jobs[0])();
      case "arn:aws:states:::sns:publish":
        return s.publish ? s.publish() : { MessageId: "m-1" };
      default:
        throw new Error(`unexpected resource ${call.resource}`);
    }
  };
}

const published = (calls: TaskCall[]) =>
  calls.filter((c) => c.resource.endsWith("sns:publish")).map((c) => ({ subject: c.args.Subject as string, message: JSON.parse(c.args.Message) }));
const jobStarts = (calls: TaskCall[]) => calls.filter((c) => c.resource.endsWith("startJobRun.sync")).length;

function expectValidSubject(subject: string) {
  expect(subject.length).toBeLessThanOrEqual(100);
  expect(subject).not.toMatch(/[\r\n]/);
}

describe("state machine (JSONata evaluated with the jsonata package against realistic AWS responses)", () => {
  it("waits through RUNNING and STOPPING, runs the job only when READY, and reports one success with run id, duration and key", async () => {
    const out = await simulate(
      definition,
      S3_EVENT_INPUT,
      aws({ crawls: [crawler("RUNNING", { Status: "SUCCEEDED" }), crawler("STOPPING", { Status: "SUCCEEDED" }), crawler("READY", { Status: "SUCCEEDED" })] }),
    );
    expect(out.status).toBe("SUCCEEDED");
    expect(out.path.filter((s) => s === "GetCrawler")).toHaveLength(3);
    expect(out.path.indexOf("StartJob")).toBeGreaterThan(out.path.lastIndexOf("GetCrawler"));
    expect(out.waits).toEqual([30, 30, 30]);
    const [msg] = published(out.calls);
    expect(msg.message).toEqual({
      status: "SUCCEEDED",
      environment: "dev",
      execution: expect.stringContaining(":execution:"),
      jobName: JOB_RUN.JobName,
      jobRunId: JOB_RUN.Id,
      durationSeconds: 95,
      bucket: S3_EVENT_INPUT.bucket,
      objectKey: S3_EVENT_INPUT.key,
    });
    expect(msg.subject).toBe("[dev] Airline ingestion succeeded (95 s)");
    expectValidSubject(msg.subject);
  });

  it("waits for a crawl that is already running instead of failing", async () => {
    const out = await simulate(
      definition,
      S3_EVENT_INPUT,
      aws({
        startCrawler: () => {
          throw new TaskFailure("Glue.CrawlerRunningException", "Crawler with name crawler has already started");
        },
      }),
    );
    expect(out.status).toBe("SUCCEEDED");
    expect(out.path.slice(0, 4)).toEqual(["RecordTrigger", "StartCrawler", "WaitForCrawler", "GetCrawler"]);
    expect(jobStarts(out.calls)).toBe(1);
  });

  it.each([
    ["FAILED", "Internal Service Exception", `The last crawl of ${CRAWLER} ended FAILED: Internal Service Exception`],
    ["CANCELLED", undefined, `The last crawl of ${CRAWLER} ended CANCELLED`],
  ])("does not run the job after a %s crawl: one failure message, then the execution fails", async (status, errorMessage, cause) => {
    const out = await simulate(
      definition,
      S3_EVENT_INPUT,
      aws({ crawls: [crawler("READY", { Status: status, ...(errorMessage ? { ErrorMessage: errorMessage } : {}) })] }),
    );
    expect(jobStarts(out.calls)).toBe(0);
    expect(out).toMatchObject({ status: "FAILED", error: "CrawlerFailed", cause });
    const msgs = published(out.calls);
    expect(msgs).toHaveLength(1);
    expect(msgs[0].message).toMatchObject({ status: "FAILED", error: "CrawlerFailed", cause, objectKey: S3_EVENT_INPUT.key });
    expectValidSubject(msgs[0].subject);
  });

  it("gives up on a crawler that never gets READY after the configured polls, with a notification", async () => {
    const out = await simulate(definition, S3_EVENT_INPUT, aws({ crawls: [crawler("RUNNING", { Status: "SUCCEEDED" })] }));
    expect(out.path.filter((s) => s === "GetCrawler")).toHaveLength(60);
    expect(jobStarts(out.calls)).toBe(0);
    expect(out).toMatchObject({ status: "FAILED", error: "CrawlerTimeout" });
    expect(out.cause).toContain("was still RUNNING after 60 polls, 30 s apart");
    expect(published(out.calls)).toHaveLength(1);
  });

  it("reports a failed job run and ends FAILED, never SUCCEEDED", async () => {
    const cause = JSON.stringify({ ...JOB_RUN, JobRunState: "FAILED", ErrorMessage: "AirportDimensionError: field airport_id: value 10165 appears 2 times" });
    const out = await simulate(
      definition,
      S3_EVENT_INPUT,
      aws({
        job: [
          () => {
            throw new TaskFailure("States.TaskFailed", cause);
          },
        ],
      }),
    );
    expect(out).toMatchObject({ status: "FAILED", error: "States.TaskFailed", cause });
    const msgs = published(out.calls);
    expect(msgs.map((m) => m.message.status)).toEqual(["FAILED"]);
    expect(msgs[0].message.cause).toContain("appears 2 times");
    expect(msgs[0].subject).toBe("[dev] Airline ingestion FAILED: States.TaskFailed");
  });

  it("retries the job while another run holds its only slot, then succeeds", async () => {
    const busy = () => {
      throw new TaskFailure("Glue.ConcurrentRunsExceededException", "Concurrent runs exceeded for airline-ingest-dev-etl-flights-ingest");
    };
    const out = await simulate(definition, S3_EVENT_INPUT, aws({ job: [busy, busy, () => JOB_RUN] }));
    expect(out.status).toBe("SUCCEEDED");
    expect(jobStarts(out.calls)).toBe(3);
    const always = await simulate(definition, S3_EVENT_INPUT, aws({ job: [busy] }));
    expect(jobStarts(always.calls)).toBe(1 + definition.States.StartJob.Retry[0].MaxAttempts);
    expect(always).toMatchObject({ status: "FAILED", error: "Glue.ConcurrentRunsExceededException" });
    expect(published(always.calls).map((m) => m.message.status)).toEqual(["FAILED"]);
  });

  it("still ends FAILED with the original error when the failure message cannot be sent", async () => {
    const out = await simulate(
      definition,
      S3_EVENT_INPUT,
      aws({
        crawls: [crawler("READY", { Status: "FAILED" })],
        publish: () => {
          throw new TaskFailure("SNS.AuthorizationErrorException", "not allowed");
        },
      }),
    );
    expect(out).toMatchObject({ status: "FAILED", error: "CrawlerFailed" });
  });

  it("reports a run started by hand or by the schedule without an object key", async () => {
    for (const input of [{}, { source: "schedule", eventTime: "2026-01-01T06:00:00Z" }]) {
      const out = await simulate(definition, input, aws({}));
      const [msg] = published(out.calls);
      expect(out.status).toBe("SUCCEEDED");
      expect(msg.message).not.toHaveProperty("objectKey");
      expect(msg.message).not.toHaveProperty("bucket");
    }
  });

  it("evaluated every JSONata expression of the definition in the scenarios above", () => {
    const all = jsonataExpressions(definition).map((e) => e.expression);
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter((e) => !evaluatedExpressions.has(e))).toEqual([]);
  });
});
