import { GetCrawlerCommand, type GetCrawlerCommandOutput, GlueClient, StartCrawlerCommand } from "@aws-sdk/client-glue";
import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { OperatorError } from "../scripts/lib/cli";
import { crawlAndWait } from "../scripts/lib/crawler";
import { consoleLinks, followExecution, followRequest, jobRunIdFromHistory, whoServes } from "../scripts/lib/pipeline";
import { loadErrorDetails, queryRows, RedshiftStatementError, runBatch, waitForStatement } from "../scripts/lib/redshift-data";

const target = { workgroupName: "airline-ingest-dev-warehouse-wg", database: "dev", secretArn: "arn:aws:secretsmanager:us-east-1:000000000000:secret:admin" };
const noSleep = { sleep: async () => undefined };

/** The delays run's code asked of setTimeout: what its default sleep waits, seen without timing anything. */
async function timeoutsDuring(run: () => Promise<unknown>): Promise<unknown[]> {
  const timers = jest.spyOn(global, "setTimeout");
  try {
    await run();
    return timers.mock.calls.map((call) => call[1]);
  } finally {
    timers.mockRestore();
  }
}

describe("Redshift Data API waiting and errors (mock: aws-sdk-client-mock; nothing here runs the Data API)", () => {
  const data = mockClient(RedshiftDataClient);
  beforeEach(() => data.reset());

  it("sends one batch to the workgroup with the secret, and waits through SUBMITTED, PICKED and STARTED", async () => {
    data.on(BatchExecuteStatementCommand).resolves({ Id: "b-1" });
    data
      .on(DescribeStatementCommand)
      .resolvesOnce({ Status: "SUBMITTED" })
      .resolvesOnce({ Status: "PICKED" })
      .resolvesOnce({ Status: "STARTED" })
      .resolves({ Status: "FINISHED", Duration: 2e9 });
    const done = await runBatch(new RedshiftDataClient({ region: "us-east-1" }), target, ["CREATE SCHEMA IF NOT EXISTS airlines", "SELECT 1"], noSleep);
    expect(done.Status).toBe("FINISHED");
    expect(data.commandCalls(BatchExecuteStatementCommand)[0].args[0].input).toStrictEqual({
      WorkgroupName: target.workgroupName,
      Database: "dev",
      SecretArn: target.secretArn,
      Sqls: ["CREATE SCHEMA IF NOT EXISTS airlines", "SELECT 1"],
    });
    expect(data.commandCalls(DescribeStatementCommand)).toHaveLength(4);
  });

  it("on a failed COPY reports Redshift's error, the failing statement and the load errors", async () => {
    data.on(BatchExecuteStatementCommand).resolves({ Id: "b-2" });
    data.on(DescribeStatementCommand, { Id: "b-2" }).resolves({
      Status: "FAILED",
      Error: "ERROR: Load into table 'stage_airport_codes' failed. Check 'sys_load_error_detail' system table for details.",
      SubStatements: [
        { Id: "b-2:1", Status: "FINISHED", QueryString: "CREATE TEMP TABLE x" },
        {
          Id: "b-2:2",
          Status: "FAILED",
          QueryString: "COPY stage_airport_codes (airport_id, city, state, name)\nFROM 's3://b/airport_codes/airport_codes.csv'",
        },
      ],
    });
    data.on(ExecuteStatementCommand).resolves({ Id: "e-1" });
    data.on(DescribeStatementCommand, { Id: "e-1" }).resolves({ Status: "FINISHED" });
    data.on(GetStatementResultCommand).resolves({
      Records: [
        [
          { stringValue: "s3://b/airport_codes/airport_codes.csv    " },
          { longValue: 17 },
          { stringValue: "airport_id  " },
          { longValue: 1207 },
          { stringValue: "Invalid digit, Value 'X', Pos 0, Type: Long   " },
        ],
      ],
    });
    const error = await runBatch(new RedshiftDataClient({ region: "us-east-1" }), target, ["COPY ..."], noSleep).catch((e) => e);
    expect(error).toBeInstanceOf(RedshiftStatementError);
    expect(error.message).toContain("Redshift FAILED the batch b-2: ERROR: Load into table 'stage_airport_codes' failed");
    expect(error.message).toContain("failing statement: COPY stage_airport_codes (airport_id, city, state, name) ...");
    expect(error.message).toContain(
      "s3://b/airport_codes/airport_codes.csv line 17, column airport_id: Invalid digit, Value 'X', Pos 0, Type: Long (error 1207)",
    );
    expect(data.commandCalls(ExecuteStatementCommand)[0].args[0].input.Sql).toContain("FROM sys_load_error_detail");
  });

  it("reports an aborted batch without asking for load errors", async () => {
    data.on(BatchExecuteStatementCommand).resolves({ Id: "b-3" });
    data
      .on(DescribeStatementCommand)
      .resolves({ Status: "ABORTED", Error: "cancelled by user", SubStatements: [{ Id: "b-3:1", Status: "ABORTED", QueryString: "CREATE TABLE t (a int)" }] });
    await expect(runBatch(new RedshiftDataClient({ region: "us-east-1" }), target, ["CREATE TABLE t (a int)"], noSleep)).rejects.toThrow(
      "Redshift ABORTED the batch b-3: cancelled by user",
    );
    expect(data.commandCalls(ExecuteStatementCommand)).toHaveLength(0);
  });

  it("doubles the pause between polls up to its maximum, and sleeps for real by default", async () => {
    data.on(DescribeStatementCommand).resolves({ Status: "STARTED" });
    const pauses: number[] = [];
    const sleep = async (ms: number) => void pauses.push(ms);
    await expect(
      waitForStatement(new RedshiftDataClient({ region: "us-east-1" }), "s", { sleep, pollMs: 100, maxPollMs: 300, timeoutMs: 900 }),
    ).rejects.toThrow("statement s still STARTED after 1 s");
    expect(pauses).toStrictEqual([100, 200, 300, 300]);
    data.reset();
    data.on(DescribeStatementCommand).resolvesOnce({ Status: "SUBMITTED" }).resolves({ Status: "FINISHED" });
    expect(await timeoutsDuring(() => waitForStatement(new RedshiftDataClient({ region: "us-east-1" }), "s", { pollMs: 50 }))).toContain(50);
  });

  it("returns a query's rows of every page as text, NULL as null", async () => {
    data.on(ExecuteStatementCommand).resolves({ Id: "q-1" });
    data.on(DescribeStatementCommand).resolves({ Status: "FINISHED" });
    data
      .on(GetStatementResultCommand)
      .resolvesOnce({
        Records: [[{ stringValue: "a" }, { longValue: 7 }, { doubleValue: 1.5 }, { booleanValue: false }, { isNull: true }, {} as never]],
        NextToken: "t",
      })
      .resolves({ Records: [[{ stringValue: "b" }, { longValue: 0 }, { doubleValue: 0 }, { booleanValue: true }, { isNull: true }, {} as never]] });
    const rows = await queryRows(new RedshiftDataClient({ region: "us-east-1" }), target, "SELECT 1", noSleep);
    expect(rows).toStrictEqual([
      ["a", "7", "1.5", "false", null, null],
      ["b", "0", "0", "true", null, null],
    ]);
    expect(data.commandCalls(GetStatementResultCommand).map((c) => c.args[0].input)).toStrictEqual([
      { Id: "q-1", NextToken: undefined },
      { Id: "q-1", NextToken: "t" },
    ]);
  });

  it("reports a failed query with its id, its first 80 characters and Redshift's error", async () => {
    data.on(ExecuteStatementCommand).resolves({ Id: "q-2" });
    data.on(DescribeStatementCommand).resolvesOnce({ Status: "FAILED", Error: "relation does not exist" }).resolves({ Status: "ABORTED" });
    const sql = `SELECT ${"x, ".repeat(40)}y FROM t`;
    const client = new RedshiftDataClient({ region: "us-east-1" });
    await expect(queryRows(client, target, sql, noSleep)).rejects.toThrow(
      new RedshiftStatementError(`Redshift FAILED the query q-2 (${sql.slice(0, 80)}): relation does not exist`),
    );
    await expect(queryRows(client, target, "SELECT 1", noSleep)).rejects.toThrow("Redshift ABORTED the query q-2 (SELECT 1): no error given");
  });

  it("says when the load errors cannot be read instead of failing the report", async () => {
    data.on(ExecuteStatementCommand).rejects(new Error("AccessDenied"));
    expect(await loadErrorDetails(new RedshiftDataClient({ region: "us-east-1" }), target, noSleep)).toStrictEqual([
      "(could not read sys_load_error_detail: AccessDenied)",
    ]);
  });

  it("asks for load errors when Redshift's error is about a load, even without a failing COPY named", async () => {
    data.on(BatchExecuteStatementCommand).resolves({ Id: "b-4" });
    data.on(DescribeStatementCommand, { Id: "b-4" }).resolves({ Status: "FAILED", Error: "Load into table failed" });
    data.on(ExecuteStatementCommand).resolves({ Id: "e-2" });
    data.on(DescribeStatementCommand, { Id: "e-2" }).resolves({ Status: "FINISHED" });
    data
      .on(GetStatementResultCommand)
      .resolves({ Records: [[{ stringValue: "f " }, { longValue: 2 }, { stringValue: "c " }, { longValue: 1 }, { isNull: true }]] });
    const error = await runBatch(new RedshiftDataClient({ region: "us-east-1" }), target, ["INSERT ..."], noSleep).catch((e) => e);
    expect(error.message).toBe(
      "Redshift FAILED the batch b-4: Load into table failed\nload errors (sys_load_error_detail, newest first):\n  f line 2, column c:  (error 1)",
    );
  });

  it("does not ask for load errors when neither the statement nor the error is about a load", async () => {
    data.on(BatchExecuteStatementCommand).resolves({ Id: "b-5" });
    data
      .on(DescribeStatementCommand)
      .resolves({ Status: "FAILED", SubStatements: [{ Id: "b-5:1", Status: "FAILED", QueryString: "  CREATE TABLE t (a int)\n  DISTSTYLE ALL" }] });
    const error = await runBatch(new RedshiftDataClient({ region: "us-east-1" }), target, ["CREATE TABLE t (a int)"], noSleep).catch((e) => e);
    expect(error.message).toBe("Redshift FAILED the batch b-5: no error given\nfailing statement: CREATE TABLE t (a int) ...");
    expect(data.commandCalls(ExecuteStatementCommand)).toHaveLength(0);
  });

  it("gives up after the timeout, saying the statement may still finish", async () => {
    data.on(DescribeStatementCommand).resolves({ Status: "STARTED" });
    await expect(
      waitForStatement(new RedshiftDataClient({ region: "us-east-1" }), "slow", { ...noSleep, pollMs: 1000, maxPollMs: 1000, timeoutMs: 3000 }),
    ).rejects.toThrow("statement slow still STARTED after 3 s; it may still finish");
  });
});

describe("following an execution (mock: aws-sdk-client-mock; Step Functions' Glue integration does not run here)", () => {
  const sfn = mockClient(SFNClient);
  beforeEach(() => sfn.reset());
  const arn = "arn:aws:states:us-east-1:000000000000:execution:airline-ingest-dev-orchestration-pipeline:manual-1";
  /** Follows `arn` without waiting between polls; returns the states seen and the outcome. */
  async function follow() {
    const states: string[] = [];
    const result = await followExecution(
      new SFNClient({ region: "us-east-1" }),
      arn,
      (s) => states.push(s),
      0,
      async () => undefined,
    );
    return { states, result };
  }

  it("prints each state once, then the final status and the job run id", async () => {
    const entered = (id: number, name: string) => ({ id, type: "TaskStateEntered" as const, timestamp: new Date(), stateEnteredEventDetails: { name } });
    sfn
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: [entered(2, "RecordTrigger"), entered(3, "StartCrawler")] })
      .resolves({
        events: [
          entered(2, "RecordTrigger"),
          entered(3, "StartCrawler"),
          entered(9, "StartJob"),
          {
            id: 10,
            type: "TaskSucceeded" as const,
            timestamp: new Date(),
            taskSucceededEventDetails: { resourceType: "glue", resource: "startJobRun.sync", output: '{"Id":"jr_abc123","JobRunState":"SUCCEEDED"}' },
          },
        ],
      });
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: "RUNNING" } as never)
      .resolves({ status: "SUCCEEDED" } as never);
    const { states, result } = await follow();
    expect(states).toStrictEqual(["RecordTrigger", "StartCrawler", "StartJob"]);
    expect(result).toStrictEqual({ status: "SUCCEEDED", jobRunId: "jr_abc123", error: undefined, cause: undefined });
  });

  it("takes the newest job run of the history, with spaces around the colon, and none from a history without one", () => {
    const glue = { resourceType: "glue", resource: "startJobRun.sync" };
    const done = (id: number, output: string) => ({
      id,
      type: "TaskSucceeded" as const,
      timestamp: new Date(),
      taskSucceededEventDetails: { ...glue, output },
    });
    const failed = (id: number, cause: string) => ({ id, type: "TaskFailed" as const, timestamp: new Date(), taskFailedEventDetails: { ...glue, cause } });
    expect(jobRunIdFromHistory([done(1, '{"Id":"jr_01"}'), done(2, '{"Id" : "jr_02"}'), done(3, '{"other":1}')])).toBe("jr_02");
    expect(jobRunIdFromHistory([failed(1, 'Glue run {"Id":  "jr_0f", "JobRunState": "FAILED"}')])).toBe("jr_0f");
    expect(jobRunIdFromHistory([done(1, "{}"), { id: 2, type: "PassStateEntered" as const, timestamp: new Date() }])).toBeUndefined();
  });

  it("waits for who serves a request up to the timeout, then says it does not know; a plain finished run serves itself", async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: "RUNNING" } as never);
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    let sleeps = 0;
    const client = new SFNClient({ region: "us-east-1" });
    expect(await whoServes(client, arn, 4000, 2000, async () => void sleeps++)).toBeUndefined();
    expect(sleeps).toBe(3);
    sfn.reset();
    sfn.on(DescribeExecutionCommand).resolves({ status: "SUCCEEDED", output: '{"done":true}' } as never);
    expect(await whoServes(client, arn, 0, 1, async () => undefined)).toStrictEqual({ arn, owner: true });
  });

  it("reads every page of a long history before deciding the job run", async () => {
    const entered = (id: number, name: string) => ({ id, type: "TaskStateEntered" as const, timestamp: new Date(), stateEnteredEventDetails: { name } });
    sfn
      .on(GetExecutionHistoryCommand, { executionArn: arn, nextToken: undefined, maxResults: 1000 })
      .resolves({ events: [entered(1, "RecordTrigger")], nextToken: "page-2" });
    sfn.on(GetExecutionHistoryCommand, { executionArn: arn, nextToken: "page-2", maxResults: 1000 }).resolves({
      events: [
        entered(2, "StartJob"),
        {
          id: 3,
          type: "TaskSucceeded" as const,
          timestamp: new Date(),
          taskSucceededEventDetails: { resourceType: "glue", resource: "startJobRun.sync", output: '{"Id":"jr_0abc2"}' },
        },
      ],
    });
    sfn.on(DescribeExecutionCommand).resolves({ status: "SUCCEEDED" } as never);
    const { states, result } = await follow();
    expect(states).toStrictEqual(["RecordTrigger", "StartJob"]);
    expect(result.jobRunId).toBe("jr_0abc2");
  });

  /** Follows a request whose execution ends at once with `ended`; returns the executions it went on to and the result. */
  async function followEnded(ended: Record<string, unknown>) {
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    sfn.on(DescribeExecutionCommand).resolves(ended as never);
    const followed: string[] = [];
    const on = { state: () => undefined, execution: (a: string) => void followed.push(a) };
    const result = await followRequest(new SFNClient({ region: "us-east-1" }), arn, on, 0, async () => undefined);
    return { followed, result };
  }

  it("reports a plain run as it is, following nothing", async () => {
    const { followed, result } = await followEnded({ status: "FAILED", error: "CrawlerFailed", cause: "c", output: undefined });
    expect(followed).toStrictEqual([]);
    expect(result).toStrictEqual({ status: "FAILED", jobRunId: undefined, error: "CrawlerFailed", cause: "c", executionArn: arn });
  });

  it("stops at an execution whose output hands off to itself (no loop)", async () => {
    const { followed, result } = await followEnded({ status: "SUCCEEDED", output: JSON.stringify({ handedOffTo: arn }) });
    expect(followed).toStrictEqual([]);
    expect(result.executionArn).toBe(arn);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(1);
  });

  it("says who serves a request just started: the owner it coalesced into, itself once in a pass, or not yet known", async () => {
    const client = new SFNClient({ region: "us-east-1" });
    const noWait = async () => undefined;
    const owner = `${arn}-owner`;
    sfn.on(DescribeExecutionCommand).resolves({ status: "SUCCEEDED", output: JSON.stringify({ coalesced: true, owner }) } as never);
    expect(await whoServes(client, arn, 10, 1, noWait)).toStrictEqual({ arn: owner, owner: false });
    sfn.reset();
    const entered = (id: number, name: string) => ({ id, type: "WaitStateEntered" as const, timestamp: new Date(), stateEnteredEventDetails: { name } });
    sfn.on(DescribeExecutionCommand).resolves({ status: "RUNNING" } as never);
    sfn
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: [entered(2, "AcquireLease")] })
      .resolves({ events: [entered(2, "AcquireLease"), entered(3, "Settle")] });
    expect(await whoServes(client, arn, 10, 1, noWait)).toStrictEqual({ arn, owner: true });
    sfn.reset();
    sfn.on(DescribeExecutionCommand).resolves({ status: "RUNNING" } as never);
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [entered(2, "AcquireLease")] });
    expect(await whoServes(client, arn, 3, 1, noWait)).toBeUndefined();
  });

  it("follows a request that coalesced into a running pass to the owner's end, and on to a successor it handed off to", async () => {
    const owner = `${arn.replace(/manual-1$/, "")}upload-7`;
    const successor = `${arn.replace(/manual-1$/, "")}handoff-1`;
    const outputs: Record<string, object> = {
      [arn]: { coalesced: true, owner, requestsWaiting: 2 },
      [owner]: { coalesced: false, passes: 3, handedOffTo: successor },
      [successor]: { coalesced: false, passes: 1 },
    };
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    sfn
      .on(DescribeExecutionCommand)
      .callsFake((input: { executionArn: string }) => ({ status: "SUCCEEDED", output: JSON.stringify(outputs[input.executionArn]) }));
    const followed: string[] = [];
    const result = await followRequest(
      new SFNClient({ region: "us-east-1" }),
      arn,
      { state: () => undefined, execution: (a, why) => followed.push(`${a}: ${why}`) },
      0,
      async () => undefined,
    );
    expect(followed).toStrictEqual([
      `${owner}: a pass is running; its owner serves this request`,
      `${successor}: the owner handed its next pass to a new execution`,
    ]);
    expect(result).toMatchObject({ status: "SUCCEEDED", executionArn: successor, output: { passes: 1 } });
  });

  it("finds the job run of a failed run in the failure cause, and builds console links", () => {
    const events = [
      {
        id: 5,
        type: "TaskFailed",
        timestamp: new Date(),
        taskFailedEventDetails: { error: "States.TaskFailed", cause: '{"Id":"jr_f00","JobRunState":"FAILED"}' },
      },
    ];
    expect(jobRunIdFromHistory(events as never)).toBe("jr_f00");
    expect(consoleLinks("eu-west-1", arn, "airline-ingest-dev-etl-flights-ingest", "jr_f00")).toStrictEqual([
      `execution: https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${arn}`,
      "job run:   https://eu-west-1.console.aws.amazon.com/gluestudio/home?region=eu-west-1#/job/airline-ingest-dev-etl-flights-ingest/run/jr_f00",
    ]);
  });

  it("links the execution only when there is no job run", () => {
    expect(consoleLinks("eu-west-1", arn, "j")).toStrictEqual([
      `execution: https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${arn}`,
    ]);
  });

  it("waits for real between polls when no sleep is given", async () => {
    const client = new SFNClient({ region: "us-east-1" });
    /** The waits of run when the execution runs for one poll, then ends with status. */
    const waits = (run: () => Promise<unknown>, status = "SUCCEEDED") => {
      sfn.reset();
      sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
      sfn
        .on(DescribeExecutionCommand)
        .resolvesOnce({ status: "RUNNING" } as never)
        .resolves({ status } as never);
      return timeoutsDuring(run);
    };
    expect(await waits(() => followExecution(client, arn, () => undefined, 40))).toContain(40);
    expect(await waits(() => followRequest(client, arn, { state: () => undefined, execution: () => undefined }, 40))).toContain(40);
    expect(await waits(() => whoServes(client, arn, 80, 40), "RUNNING")).toContain(40);
  });
});

describe("crawling the Redshift tables after the DDL (mock: aws-sdk-client-mock; no Glue here)", () => {
  const glue = mockClient(GlueClient);
  beforeEach(() => glue.reset());
  const crawler = (State: string, Status?: string, startedSecondsAgo = 0): GetCrawlerCommandOutput =>
    ({
      $metadata: {},
      Crawler: {
        Name: "c",
        State,
        LastCrawl: Status
          ? {
              Status,
              StartTime: new Date(Date.now() - startedSecondsAgo * 1000),
              ErrorMessage: Status === "FAILED" ? "Access denied on connection" : undefined,
              LogGroup: "/aws-glue/crawlers",
            }
          : undefined,
      },
    }) as never;

  it("does not take the READY of an earlier crawl for the end of this one, and waits through RUNNING and STOPPING", async () => {
    glue.on(StartCrawlerCommand).resolves({});
    glue
      .on(GetCrawlerCommand)
      .resolvesOnce(crawler("READY", "SUCCEEDED", 3600))
      .resolvesOnce(crawler("RUNNING", "SUCCEEDED", 3600))
      .resolvesOnce(crawler("STOPPING", "SUCCEEDED", 3600))
      .resolves(crawler("READY", "SUCCEEDED", 0));
    const states: string[] = [];
    await crawlAndWait(new GlueClient({ region: "us-east-1" }), "c", { ...noSleep, onState: (s) => states.push(s) });
    expect(states).toStrictEqual(["READY", "RUNNING", "STOPPING", "READY"]);
  });

  it("counts a crawl that started up to 5 s before the call as this one", async () => {
    const now = jest.spyOn(Date, "now").mockReturnValue(1_000_000);
    try {
      glue.on(StartCrawlerCommand).resolves({});
      const at = (ms: number) =>
        ({ $metadata: {}, Crawler: { Name: "c", State: "READY", LastCrawl: { Status: "SUCCEEDED", StartTime: new Date(ms) } } }) as never;
      glue.on(GetCrawlerCommand).resolves(at(995_000));
      await crawlAndWait(new GlueClient({ region: "us-east-1" }), "c", noSleep);
      expect(glue.commandCalls(GetCrawlerCommand)).toHaveLength(1);
      glue.reset();
      glue.on(StartCrawlerCommand).resolves({});
      glue.on(GetCrawlerCommand).resolves(at(994_999));
      await expect(crawlAndWait(new GlueClient({ region: "us-east-1" }), "c", { ...noSleep, pollMs: 60_000, timeoutMs: 120_000 })).rejects.toThrow(
        new OperatorError("crawler c still READY after 2 min"),
      );
      expect(glue.commandCalls(GetCrawlerCommand)).toHaveLength(3);
    } finally {
      now.mockRestore();
    }
  });

  it("waits between polls for real when no sleep is given", async () => {
    glue.on(StartCrawlerCommand).resolves({});
    glue
      .on(GetCrawlerCommand)
      .resolvesOnce(crawler("RUNNING"))
      .resolves(crawler("READY", "SUCCEEDED", 0));
    expect(await timeoutsDuring(() => crawlAndWait(new GlueClient({ region: "us-east-1" }), "c", { pollMs: 50 }))).toContain(50);
  });

  it("passes on an error starting the crawler other than a crawl under way", async () => {
    glue.on(StartCrawlerCommand).rejects(Object.assign(new Error("not allowed"), { name: "AccessDeniedException" }));
    await expect(crawlAndWait(new GlueClient({ region: "us-east-1" }), "c", noSleep)).rejects.toThrow("not allowed");
    expect(glue.commandCalls(GetCrawlerCommand)).toHaveLength(0);
  });

  it("reports an unknown state, and a crawler that ended without a crawl", async () => {
    glue.on(StartCrawlerCommand).resolves({});
    glue
      .on(GetCrawlerCommand)
      .resolvesOnce({ $metadata: {} } as never)
      .resolves({ $metadata: {}, Crawler: { Name: "c", State: "READY" } } as never);
    const states: string[] = [];
    await expect(crawlAndWait(new GlueClient({ region: "us-east-1" }), "c", { ...noSleep, onState: (s) => states.push(s) })).rejects.toThrow(
      new OperatorError("crawler c ended without a crawl: no message (log group /aws-glue/crawlers)"),
    );
    expect(states).toStrictEqual(["UNKNOWN", "READY"]);
  });

  it("joins a crawl already under way, and reports a failed crawl with Glue's message", async () => {
    glue.on(StartCrawlerCommand).rejects(Object.assign(new Error("already running"), { name: "CrawlerRunningException" }));
    glue
      .on(GetCrawlerCommand)
      .resolvesOnce(crawler("RUNNING"))
      .resolves(crawler("READY", "FAILED", 0));
    await expect(crawlAndWait(new GlueClient({ region: "us-east-1" }), "c", noSleep)).rejects.toThrow(
      "crawler c ended FAILED: Access denied on connection (log group /aws-glue/crawlers)",
    );
  });
});
