/* eslint-disable @typescript-eslint/no-explicit-any */
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { reportFolders } from "../../modules/config/layers";
import { Scheduler } from "./asl-scheduler";
import { type Outcome, simulate, type TaskCall, TaskFailure } from "./asl-simulator";

/**
 * The pipeline's surroundings in simulated time, for many executions of the real state machine definition at
 * once: S3 uploads whose events start executions, a simulated Glue (a crawler that goes RUNNING, STOPPING, READY;
 * one job run at a time that loads every file uploaded before it started and not yet bookmarked, and writes its
 * run report; a run that meets a file S3 refuses sets it aside and fails, as flights_set_aside does), SNS, CloudWatch and Step Functions' own DescribeExecution/StartExecution. DynamoDB is real: every
 * lease write goes to a moto server, which evaluates the condition and update expressions.
 */
export interface WorldOptions {
  readonly definition: any;
  /** A moto server's client settings; required for a definition that writes the lease. */
  readonly dynamodb?: DynamoDBClientConfig;
  readonly reportsPrefix?: string;
  /** Seconds a crawl is RUNNING, then STOPPING. */
  readonly crawl?: { readonly running: number; readonly stopping: number };
  /** A job run takes base + perFile x files seconds. */
  readonly job?: { readonly baseSeconds: number; readonly perFileSeconds: number };
  /** Outcome of the n-th crawl / job run (default: all succeed). */
  readonly crawlFails?: (n: number) => boolean;
  readonly jobFails?: (n: number) => boolean;
  /** Keys S3 refuses to hand the job (an archived object, a key the job may not use): flights_set_aside's path. */
  readonly unreadable?: ReadonlySet<string>;
  /** From the S3 upload to the execution's start (EventBridge delivery). */
  readonly eventDelayMs?: number;
  /** Latency of every API call a task makes. */
  readonly apiLatencyMs?: number;
  readonly seed?: number;
  /**
   * A lease write that DynamoDB applies but whose reply is lost (a 500 after the commit): called with the state and
   * how many writes that state has made so far (1 for the first); true applies the write, then fails the task with
   * DynamoDB.InternalServerErrorException, which the definition's Retry sends again.
   */
  readonly loseReply?: (state: string, n: number) => boolean;
}

export interface JobRun {
  readonly id: string;
  readonly startedAt: number;
  endedAt?: number;
  state: "RUNNING" | "SUCCEEDED" | "FAILED" | "STOPPED";
  readonly files: string[];
  readonly execution: string;
}

export interface Execution {
  readonly arn: string;
  readonly input: any;
  readonly startedAt: number;
  abortedAt?: number;
  outcome?: Outcome;
}

/** Mulberry32: a seeded random source, so a scenario's jitter is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let tables = 0;

/** The lease table in a moto server, as the stack creates it (one string partition key, `id`). */
export class MotoLeaseTable {
  readonly name = `pass-lease-${process.pid}-${++tables}`;
  private readonly client: DynamoDBClient;

  constructor(config: DynamoDBClientConfig) {
    this.client = new DynamoDBClient(config);
  }

  async create(): Promise<this> {
    await this.client.send(
      new CreateTableCommand({
        TableName: this.name,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      }),
    );
    return this;
  }

  /** A `dynamodb:updateItem` task's arguments, sent to moto as they are (only the table name is this table's). */
  async update(args: any): Promise<any> {
    try {
      const r = await this.client.send(new UpdateItemCommand({ ...args, TableName: this.name }));
      return { Attributes: r.Attributes ?? {} };
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) throw new TaskFailure("DynamoDB.ConditionalCheckFailedException", e.message);
      throw e;
    }
  }

  async item(): Promise<Record<string, any> | undefined> {
    const r = await this.client.send(new GetItemCommand({ TableName: this.name, Key: { id: { S: "pass" } }, ConsistentRead: true }));
    return r.Item;
  }
}

export class PipelineWorld {
  readonly scheduler = new Scheduler();
  readonly uploads = new Map<string, number>();
  readonly bookmarked = new Set<string>();
  /** Files a failed job run set aside as unreadable; later runs leave them out and list them in their report. */
  readonly setAside = new Set<string>();
  readonly executions = new Map<string, Execution>();
  readonly jobRuns: JobRun[] = [];
  readonly crawls: Array<{ startedAt: number; fails: boolean }> = [];
  readonly messages: Array<{ at: number; execution: string; subject: string; message: any }> = [];
  readonly metrics: Array<{ at: number; namespace: string; data: any[] }> = [];
  /** Glue refusals met by executions: a job already running, a crawl already running. */
  readonly contention = { concurrentRuns: 0, crawlerRunning: 0 };
  private readonly reports = new Map<string, string>();
  private readonly table?: MotoLeaseTable;
  private readonly random: () => number;
  private readonly timeoutMs: number;

  constructor(private readonly options: WorldOptions) {
    this.table = options.dynamodb ? new MotoLeaseTable(options.dynamodb) : undefined;
    this.random = seededRandom(options.seed ?? 1);
    this.timeoutMs = (options.definition.TimeoutSeconds ?? Number.POSITIVE_INFINITY) * 1000;
  }

  async setUp(): Promise<this> {
    await this.table?.create();
    return this;
  }

  /** Seconds after the start of the simulation. */
  t(seconds: number): number {
    return this.scheduler.startMs + seconds * 1000;
  }

  /** A file lands at `seconds`; its S3 event starts an execution a moment later. */
  upload(seconds: number, key: string): void {
    this.scheduler.at(this.t(seconds), () => {
      this.uploads.set(key, this.scheduler.now());
      this.scheduler.at(this.scheduler.now() + (this.options.eventDelayMs ?? 1000), () =>
        this.startExecution({ bucket: "data-bucket", key, eventTime: new Date(this.t(seconds)).toISOString(), source: "s3" }),
      );
    });
  }

  /** A file lands at `seconds` and its event is lost (the rule's target kept failing: the event is in the DLQ). */
  uploadWithoutEvent(seconds: number, key: string): void {
    this.scheduler.at(this.t(seconds), () => this.uploads.set(key, this.scheduler.now()));
  }

  /** Runs `fn` at `seconds` (a person starting the pipeline, StopExecution, ...). */
  at(seconds: number, fn: () => void): void {
    this.scheduler.at(this.t(seconds), fn);
  }

  startExecution(input: any): string {
    const arn = `arn:aws:states:us-east-1:000000000000:execution:pipeline:run-${this.executions.size + 1}`;
    const execution: Execution = { arn, input, startedAt: this.scheduler.now() };
    this.executions.set(arn, execution);
    this.scheduler.spawn(async () => {
      execution.outcome = await simulate(this.options.definition, input, (call) => this.answer(call), {
        clock: this.scheduler.clock(arn),
        executionArn: arn,
        stateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:pipeline",
        random: this.random,
      });
    });
    return arn;
  }

  /** StopExecution of a running execution: no Catch runs, a running job run is stopped. */
  abort(arn: string): void {
    const execution = this.executions.get(arn);
    if (!execution || execution.outcome) throw new Error(`${arn} is not running`);
    execution.abortedAt = this.scheduler.now();
    this.scheduler.abort(arn);
  }

  run(): Promise<void> {
    return this.scheduler.run();
  }

  status(e: Execution): string {
    if (e.abortedAt !== undefined) return "ABORTED";
    if (e.outcome) return e.outcome.status;
    return this.scheduler.now() - e.startedAt >= this.timeoutMs ? "TIMED_OUT" : "RUNNING";
  }

  /** The lease item as moto holds it. */
  async lease(): Promise<Record<string, any> | undefined> {
    return this.table?.item();
  }

  /** The longest overlap of job runs (must stay 1). */
  maxConcurrentJobRuns(): number {
    const edges = this.jobRuns.flatMap((r) => [
      [r.startedAt, 1],
      [r.endedAt ?? Number.POSITIVE_INFINITY, -1],
    ]);
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let now = 0;
    let max = 0;
    for (const [, d] of edges) {
      now += d;
      max = Math.max(max, now);
    }
    return max;
  }

  private readonly leaseWrites = new Map<string, number>();

  private async leaseWrite(table: MotoLeaseTable, call: TaskCall): Promise<any> {
    const n = (this.leaseWrites.get(call.state) ?? 0) + 1;
    this.leaseWrites.set(call.state, n);
    const result = await table.update(call.args);
    if (this.options.loseReply?.(call.state, n)) throw new TaskFailure("DynamoDB.InternalServerErrorException", `reply to ${call.state} lost after the write`);
    return result;
  }

  private async answer(call: TaskCall): Promise<any> {
    await call.clock.sleep(this.options.apiLatencyMs ?? 40);
    const handlers: Record<string, () => any> = {
      "arn:aws:states:::dynamodb:updateItem": () => {
        if (!this.table) throw new Error("this world has no DynamoDB (pass `dynamodb`)");
        return this.leaseWrite(this.table, call);
      },
      "arn:aws:states:::aws-sdk:glue:startCrawler": () => this.startCrawler(),
      "arn:aws:states:::aws-sdk:glue:getCrawler": () => this.getCrawler(),
      "arn:aws:states:::glue:startJobRun.sync": () => this.runJob(call),
      "arn:aws:states:::aws-sdk:s3:getObject": () => this.getObject(call.args.Key),
      "arn:aws:states:::aws-sdk:cloudwatch:putMetricData": () => {
        this.metrics.push({ at: this.scheduler.now(), namespace: call.args.Namespace, data: call.args.MetricData });
        return {};
      },
      "arn:aws:states:::sns:publish": () => {
        this.messages.push({ at: this.scheduler.now(), execution: call.executionArn, subject: call.args.Subject, message: JSON.parse(call.args.Message) });
        return { MessageId: `m-${this.messages.length}` };
      },
      "arn:aws:states:::aws-sdk:sfn:describeExecution": () => {
        const e = this.executions.get(call.args.ExecutionArn);
        if (!e) throw new TaskFailure("Sfn.ExecutionDoesNotExistException", `Execution Does Not Exist: '${call.args.ExecutionArn}'`);
        return { ExecutionArn: e.arn, Status: this.status(e), StartDate: new Date(e.startedAt).toISOString() };
      },
      "arn:aws:states:::aws-sdk:sfn:startExecution": () => ({
        ExecutionArn: this.startExecution(JSON.parse(call.args.Input)),
        StartDate: new Date(this.scheduler.now()).toISOString(),
      }),
    };
    const handler = handlers[call.resource];
    if (!handler) throw new Error(`the simulated AWS does not answer ${call.resource}`);
    return handler();
  }

  private crawlState(): { state: string; last?: { Status: string; ErrorMessage?: string } } {
    const { running, stopping } = this.options.crawl ?? { running: 60, stopping: 15 };
    const current = this.crawls.at(-1);
    const previous = this.crawls.at(-2);
    const last = (c?: { fails: boolean }) =>
      c ? { Status: c.fails ? "FAILED" : "SUCCEEDED", ...(c.fails ? { ErrorMessage: "Internal Service Exception" } : {}) } : undefined;
    if (!current) return { state: "READY" };
    const elapsed = (this.scheduler.now() - current.startedAt) / 1000;
    if (elapsed < running) return { state: "RUNNING", last: last(previous) };
    if (elapsed < running + stopping) return { state: "STOPPING", last: last(previous) };
    return { state: "READY", last: last(current) };
  }

  private startCrawler(): any {
    if (this.crawlState().state !== "READY") {
      this.contention.crawlerRunning++;
      throw new TaskFailure("Glue.CrawlerRunningException", "Crawler with name crawler has already started");
    }
    this.crawls.push({ startedAt: this.scheduler.now(), fails: this.options.crawlFails?.(this.crawls.length) ?? false });
    return {};
  }

  private getCrawler(): any {
    const { state, last } = this.crawlState();
    return { Crawler: { Name: "crawler", State: state, ...(last ? { LastCrawl: { ...last, LogGroup: "/aws-glue/crawlers" } } : {}) } };
  }

  private async runJob(call: TaskCall): Promise<any> {
    if (this.jobRuns.some((r) => r.state === "RUNNING")) {
      this.contention.concurrentRuns++;
      throw new TaskFailure("Glue.ConcurrentRunsExceededException", `Concurrent runs exceeded for ${call.args.JobName}`);
    }
    const startedAt = this.scheduler.now();
    const files = [...this.uploads].filter(([k, at]) => at <= startedAt && !this.bookmarked.has(k) && !this.setAside.has(k)).map(([k]) => k);
    const run: JobRun = { id: `jr_${String(this.jobRuns.length + 1).padStart(4, "0")}`, startedAt, state: "RUNNING", files, execution: call.executionArn };
    const fails = this.options.jobFails?.(this.jobRuns.length) ?? false;
    const refused = files.filter((k) => this.options.unreadable?.has(k));
    this.jobRuns.push(run);
    const { baseSeconds, perFileSeconds } = this.options.job ?? { baseSeconds: 60, perFileSeconds: 0.5 };
    try {
      await call.clock.sleep((baseSeconds + perFileSeconds * files.length) * 1000);
    } catch (e) {
      // startJobRun.sync stops the run when its execution is stopped.
      Object.assign(run, { state: "STOPPED", endedAt: this.scheduler.now() });
      throw e;
    }
    const executionTime = Math.round((this.scheduler.now() - startedAt) / 1000);
    const result = { Id: run.id, JobName: call.args.JobName, Attempt: 0, ExecutionTime: executionTime, StartedOn: new Date(startedAt).toISOString() };
    Object.assign(run, { endedAt: this.scheduler.now(), state: fails || refused.length ? "FAILED" : "SUCCEEDED" });
    if (fails) {
      throw new TaskFailure(
        "States.TaskFailed",
        JSON.stringify({ ...result, JobRunState: "FAILED", ErrorMessage: "AirportDimensionError: field airport_id: value 10165 appears 2 times" }),
      );
    }
    if (refused.length) {
      for (const k of refused) this.setAside.add(k);
      const named = refused.map((k) => `${k} (InvalidObjectState: The operation is not valid for the object's storage class)`).join("; ");
      const error = `UnreadableFilesSetAside: set aside ${refused.length} file(s) S3 refused to read: ${named}. The next pass loads the other files`;
      throw new TaskFailure("States.TaskFailed", JSON.stringify({ ...result, JobRunState: "FAILED", ErrorMessage: error }));
    }
    for (const f of files) this.bookmarked.add(f);
    // Where flights_ingest.write_report puts it: under the day StartJob passed (--run_date).
    const day = call.args.Arguments?.["--run_date"];
    const key = `${reportFolders(this.options.reportsPrefix ?? "reports/").runsOfDay}${day}/${run.id}.json`;
    this.reports.set(key, JSON.stringify(runReport(files, [...this.setAside])));
    return { ...result, JobRunState: "SUCCEEDED", CompletedOn: new Date(this.scheduler.now()).toISOString() };
  }

  private getObject(key: string): any {
    const body = this.reports.get(key);
    if (body === undefined) throw new TaskFailure("S3.NoSuchKeyException", "The specified key does not exist. (Service: S3, Status Code: 404)");
    return { Body: body, ContentType: "application/json", ContentLength: body.length };
  }
}

/** The job's report (flights_ingest.write_report) for files of about 1,200 rows, a few quarantined. */
export function runReport(files: string[], setAside: string[] = []): Record<string, unknown> {
  const rowsIn = files.length * 1200;
  const quarantined = files.length * 3;
  const filtered = files.length * 40;
  return {
    files_processed: files.length,
    files_ignored: 0,
    rows_in: rowsIn,
    rows_loaded: rowsIn - quarantined - filtered,
    rows_quarantined: quarantined,
    rows_filtered: filtered,
    files: [...files].sort().slice(0, 100),
    files_set_aside: [...setAside].sort().slice(0, 100),
  };
}
