/* eslint-disable @typescript-eslint/no-explicit-any */
import { loadPipelineConfig } from "../modules/config/load";
import { longestPassSeconds } from "../modules/config/schema";
import { BEFORE_COALESCING, dayKey, simulateBurst } from "./support/bursts";
import { MotoServer } from "./support/moto-server";
import { PipelineWorld, type WorldOptions } from "./support/pipeline-world";
import { only, synth } from "./support/synth";

/**
 * The state machine's own definition, many executions interleaved in simulated time, against a simulated Glue and
 * the lease in a real (moto) DynamoDB: moto evaluates every condition and update expression the definition sends.
 */
const definition = JSON.parse(only(synth("dev"), "aws_sfn_state_machine").definition);
const moto = new MotoServer();

beforeAll(() => moto.start(), 60_000);
afterAll(() => moto.stop());

async function world(options: Partial<WorldOptions> = {}): Promise<PipelineWorld> {
  return new PipelineWorld({ definition, dynamodb: moto.clientConfig, ...options }).setUp();
}

const executions = (w: PipelineWorld) => [...w.executions.values()];
/** Passes that ran to their end (a stopped execution's last pass sends nothing). */
const passes = (w: PipelineWorld) =>
  executions(w).reduce((n, e) => {
    const started = e.outcome?.path.filter((s) => s === "StartPass").length ?? 0;
    return n + (started > 0 && ["ABORTED", "TIMED_OUT"].includes(w.status(e)) ? started - 1 : started);
  }, 0);
const failed = (w: PipelineWorld) => executions(w).filter((e) => w.status(e) === "FAILED");

/** What every scenario must show once everything is idle. */
async function expectSettled(w: PipelineWorld) {
  // A file set aside as unreadable is named by the failure message and by every later pass's message.
  expect([...w.uploads.keys()].filter((k) => !w.bookmarked.has(k) && !w.setAside.has(k))).toStrictEqual([]);
  for (const k of w.setAside) expect(w.messages.filter((m) => JSON.stringify(m.message).includes(k)).length).toBeGreaterThan(0);
  expect(w.maxConcurrentJobRuns()).toBe(1);
  expect(w.contention).toStrictEqual({ concurrentRuns: 0, crawlerRunning: 0 });
  expect(failed(w).map((e) => e.outcome?.error)).not.toContainEqual(expect.stringMatching(/Concurrent|CrawlerRunning|LeaseContention/));
  // One message per pass that loaded files, or that followed a failed pass; a pass that found nothing new says nothing.
  const succeeded = w.messages.filter((m) => m.message.status === "SUCCEEDED");
  expect(succeeded.filter((m) => !(m.message.filesProcessed > 0 || m.message.afterFailedPasses))).toStrictEqual([]);
  const loading = w.jobRuns.filter((r) => r.state === "SUCCEEDED" && r.files.length > 0).map((r) => r.id);
  expect(succeeded.map((m) => m.message.jobRunId)).toStrictEqual(expect.arrayContaining(loading));
  expect(succeeded.length).toBeLessThanOrEqual(passes(w));
  // No file left behind: after every upload's event, a job run started (and succeeded) that could see the file.
  const lastRun = Math.max(...w.jobRuns.filter((r) => r.state === "SUCCEEDED").map((r) => r.startedAt));
  expect(executions(w).filter((e) => e.input.source === "s3" && e.startedAt >= lastRun)).toStrictEqual([]);
  expect(executions(w).filter((e) => w.status(e) === "RUNNING")).toStrictEqual([]);
  const lease = await w.lease();
  expect(lease?.owner).toBeUndefined();
  expect(lease?.requests).toStrictEqual({ N: "0" });
}

describe("coalesced pipeline runs (simulated time, real DynamoDB conditions in moto)", () => {
  it("200 uploads within 40 s: one pass, one message, no failed execution", async () => {
    const w = await world({ seed: 200 });
    for (let i = 0; i < 200; i++) w.upload((i * 40) / 200, dayKey(i));
    await w.run();
    await expectSettled(w);
    expect(failed(w)).toStrictEqual([]);
    expect(w.jobRuns.map((r) => r.files.length)).toStrictEqual([200]);
    expect(w.messages).toHaveLength(1);
    expect(executions(w).filter((e) => e.outcome?.output?.coalesced)).toHaveLength(
      200 - executions(w).filter((e) => e.outcome?.output?.coalesced === false).length,
    );
    const owners = new Set(executions(w).flatMap((e) => (e.outcome?.output?.owner ? [e.outcome.output.owner] : [])));
    expect(owners.size).toBe(1);
    const [first] = w.messages;
    expect(first.message).toMatchObject({ status: "SUCCEEDED", environment: "dev" });
    expect(first.message).toMatchObject({ filesProcessed: 200, requests: 200, rowsLoaded: 200 * 1157, rowsQuarantined: 600, quarantineRatio: 0.0025 });
    expect(first.message.files).toHaveLength(10);
  }, 60_000);

  it("one upload every 45 s for 20 minutes: every file loaded, three or four uploads per pass, one message per pass", async () => {
    const w = await world({ seed: 45 });
    for (let i = 0; i * 45 < 20 * 60; i++) w.upload(i * 45, dayKey(i));
    await w.run();
    await expectSettled(w);
    expect(failed(w)).toStrictEqual([]);
    // A pass takes about 2.5 minutes: uploads every 45 s coalesce three or four to a pass.
    expect(w.jobRuns.length).toBeLessThan(w.uploads.size / 2);
  }, 60_000);

  it("uploads while a job runs are loaded by the owner's next pass, not by a second job run at once", async () => {
    const w = await world({ seed: 7 });
    w.upload(0, dayKey(0));
    // Settle 60 s, crawl ~76 s: the first job run goes from ~137 s to ~198 s.
    for (let i = 1; i <= 5; i++) w.upload(150 + i * 5, dayKey(i));
    await w.run();
    await expectSettled(w);
    expect(w.jobRuns.map((r) => r.files.length)).toStrictEqual([1, 5]);
    const owner = executions(w).find((e) => e.outcome?.output?.passes === 2);
    expect(owner?.arn).toBe(w.jobRuns[0].execution);
    expect(w.messages.map((m) => m.message.requests)).toStrictEqual([1, 5]);
  }, 60_000);

  it("a failed crawl with uploads waiting and no later upload: retried by its execution, every file loaded, the failure announced once", async () => {
    const w = await world({ seed: 3, crawlFails: (n) => n === 0 });
    w.upload(0, dayKey(0));
    w.upload(80, dayKey(1));
    w.upload(90, dayKey(2));
    await w.run();
    await expectSettled(w);
    expect(failed(w)).toStrictEqual([]);
    expect(w.messages.map((m) => [m.message.status, m.message.retrying ?? false])).toStrictEqual([
      ["FAILED", true],
      ["SUCCEEDED", false],
    ]);
    expect(w.messages[0].message).toMatchObject({ error: "CrawlerFailed", retryInSeconds: 600 });
    expect(w.messages[1].message).toMatchObject({ filesProcessed: 3, afterFailedPasses: 1 });
    expect(w.jobRuns.map((r) => r.files.length)).toStrictEqual([3]);
  }, 60_000);

  it("a failed job run while 5 more uploads wait, and nothing uploaded afterwards: all loaded by the retry, never two job runs at once", async () => {
    const w = await world({ seed: 4, jobFails: (n) => n === 0 });
    for (let i = 0; i < 5; i++) w.upload(i * 2, dayKey(i));
    for (let i = 5; i < 10; i++) w.upload(160 + i, dayKey(i));
    await w.run();
    await expectSettled(w);
    expect(failed(w)).toStrictEqual([]);
    expect(w.jobRuns.map((r) => [r.state, r.files.length])).toStrictEqual([
      ["FAILED", 5],
      ["SUCCEEDED", 10],
    ]);
    expect(w.messages.map((m) => m.message.status)).toStrictEqual(["FAILED", "SUCCEEDED"]);
    expect(w.messages[0].message).toMatchObject({ retrying: true, cause: expect.stringContaining("appears 2 times") });
  }, 60_000);

  it("a poison file (every job run fails): bounded retries, then one final failure message and the lease free", async () => {
    const w = await world({ seed: 6, jobFails: () => true });
    w.upload(0, dayKey(0));
    await w.run();
    expect(w.jobRuns.map((r) => r.state)).toStrictEqual(["FAILED", "FAILED", "FAILED"]);
    expect(w.maxConcurrentJobRuns()).toBe(1);
    expect(w.messages.map((m) => [m.message.status, m.message.retrying ?? false, m.message.retriedPasses ?? null])).toStrictEqual([
      ["FAILED", true, null],
      ["FAILED", false, 2],
    ]);
    expect(failed(w).map((e) => e.outcome?.error)).toStrictEqual(["States.TaskFailed"]);
    expect((await w.lease())?.owner).toBeUndefined();
  }, 60_000);

  it("a file S3 refuses among others: its pass fails naming it, the retry loads the others, and the success names it set aside", async () => {
    const poison = dayKey(2);
    const w = await world({ seed: 9, unreadable: new Set([poison]) });
    for (let i = 0; i < 3; i++) w.upload(i * 2, dayKey(i));
    for (let i = 3; i < 6; i++) w.upload(160 + i, dayKey(i));
    await w.run();
    await expectSettled(w);
    expect(failed(w)).toStrictEqual([]);
    expect(w.jobRuns.map((r) => [r.state, r.files.length])).toStrictEqual([
      ["FAILED", 3],
      ["SUCCEEDED", 5],
    ]);
    expect(w.jobRuns[1].files).not.toContain(poison);
    expect(w.messages.map((m) => m.message.status)).toStrictEqual(["FAILED", "SUCCEEDED"]);
    expect(w.messages[0].message).toMatchObject({ retrying: true, cause: expect.stringContaining(`set aside 1 file(s) S3 refused to read: ${poison}`) });
    expect(w.messages[1].message).toMatchObject({ filesProcessed: 5, afterFailedPasses: 1, filesSetAside: [poison] });
  }, 60_000);

  it("a lost event: the daily safety-net pass loads the file; a quiet day's pass costs one job run and sends nothing", async () => {
    const w = await world({ seed: 8 });
    w.uploadWithoutEvent(0, dayKey(0));
    w.at(3600, () => w.startExecution({ eventTime: new Date(w.t(3600)).toISOString(), source: "schedule" }));
    w.at(90_000, () => w.startExecution({ eventTime: new Date(w.t(90_000)).toISOString(), source: "schedule" }));
    await w.run();
    await expectSettled(w);
    expect(w.jobRuns.map((r) => r.files.length)).toStrictEqual([1, 0]);
    // The quiet day: one job run, metrics, and no message.
    expect(w.messages.map((m) => m.message.filesProcessed)).toStrictEqual([1]);
    expect(w.metrics.map((m) => m.data.find((d: any) => d.MetricName === "FilesProcessed").Value)).toStrictEqual([1, 0]);
  }, 60_000);

  it("an owner aborted in the middle of its pass: the next upload takes the lease over at once and loads every file", async () => {
    const w = await world({ seed: 5 });
    w.upload(0, dayKey(0));
    w.at(160, () => w.abort(w.jobRuns[0].execution));
    w.upload(170, dayKey(1));
    w.upload(175, dayKey(2));
    await w.run();
    await expectSettled(w);
    expect(w.jobRuns.map((r) => [r.state, r.files.length])).toStrictEqual([
      ["STOPPED", 1],
      ["SUCCEEDED", 3],
    ]);
    const taker = executions(w).find((e) => e.outcome?.path.includes("TakeOverLease"));
    expect(taker?.input.key).toBe(dayKey(1));
    // The stopped owner sends nothing; the taker's pass sends one message.
    expect(w.messages.map((m) => m.message.status)).toStrictEqual(["SUCCEEDED"]);
  }, 60_000);

  it.each(["AcquireLease", "TakeOverLease", "BeginPass", "ReleaseLease", "ReleaseForHandOff", "ReleaseAfterFailure"])(
    "a lost reply to %s (written, then a 500): its retry counts the write as done; every file loads, the lease ends free",
    async (state) => {
      const w = await world({
        seed: 11,
        loseReply: (s, n) => s === state && n === 1,
        // ReleaseAfterFailure runs after a pass failed and its retries too; TakeOverLease after an owner stopped mid-pass.
        jobFails: state === "ReleaseAfterFailure" ? (n) => n < 3 : undefined,
      });
      const dev = loadPipelineConfig().environments.dev;
      // One upload and nothing after it: no later execution may rescue a pass the lost reply stopped.
      const uploads =
        state === "ReleaseForHandOff" ? (dev.orchestration.timeoutSeconds - longestPassSeconds(dev) + 900) / 120 : state === "ReleaseAfterFailure" ? 2 : 1;
      for (let i = 0; i < uploads; i++) w.upload(state === "ReleaseAfterFailure" && i ? 5000 : i * 120, dayKey(i));
      if (state === "TakeOverLease") {
        w.at(160, () => w.abort(w.jobRuns[0].execution));
        w.upload(170, dayKey(50));
      }
      await w.run();
      await expectSettled(w);
      expect(
        executions(w)
          .flatMap((e) => e.outcome?.path ?? [])
          .filter((p) => p === state).length,
      ).toBeGreaterThan(0);
      expect(failed(w).map((e) => e.outcome?.error)).not.toContainEqual(expect.stringMatching(/Lease|DynamoDB/));
      // Its own write is not mistaken for another execution's: no execution ends thinking it lost the lease.
      expect(executions(w).filter((e) => e.outcome?.output?.leaseLost)).toStrictEqual([]);
    },
    60_000,
  );

  it("a long run of passes is handed to a new execution before the owner's timeout", async () => {
    // The owner may start a pass only while the longest pass still fits before its TimeoutSeconds.
    const dev = loadPipelineConfig().environments.dev;
    const lastPassStart = dev.orchestration.timeoutSeconds - longestPassSeconds(dev);
    expect(definition.TimeoutSeconds).toBe(dev.orchestration.timeoutSeconds);
    const w = await world({ seed: 9 });
    for (let i = 0; i * 120 < lastPassStart + 900; i++) w.upload(i * 120, dayKey(i));
    await w.run();
    await expectSettled(w);
    expect(failed(w)).toStrictEqual([]);
    const handedOff = executions(w).filter((e) => e.outcome?.output?.handedOffTo);
    expect(handedOff.length).toBeGreaterThanOrEqual(1);
    const successor = w.executions.get(handedOff[0].outcome?.output.handedOffTo);
    expect(successor?.input).toStrictEqual({ source: "handoff", from: handedOff[0].arn });
    for (const e of executions(w)) expect(e.outcome?.status).toBe("SUCCEEDED");
    const owner = handedOff[0];
    const lastPass = owner.outcome?.path.lastIndexOf("StartPass") ?? -1;
    expect(lastPass).toBeGreaterThan(0);
    expect(w.jobRuns.filter((r) => r.execution === owner.arn).at(-1)?.startedAt).toBeLessThanOrEqual(owner.startedAt + lastPassStart * 1000 + 120_000);
  }, 60_000);

  it("reproduces the figures measured before coalescing, and makes a burst of 31 or 182 files one pass (README table)", async () => {
    const before = await simulateBurst(BEFORE_COALESCING, 182, 1);
    expect(before).toMatchObject({ executions: 182, messages: 182, filesLeftBehind: 0 });
    expect(before.jobRuns).toBeGreaterThan(40);
    expect(before.failedExecutions).toBeGreaterThan(100);
    for (const files of [31, 182]) {
      expect(await simulateBurst(definition, files, 1, moto)).toStrictEqual({
        files,
        executions: files,
        jobRuns: 1,
        failedExecutions: 0,
        messages: 1,
        failureMessages: 0,
        filesLeftBehind: 0,
      });
    }
  }, 60_000);
});
