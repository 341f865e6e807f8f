import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateStateMachineCommand, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { OperatorError } from "../scripts/lib/cli";
import { daysBetween, requeue, setAsideFiles } from "../scripts/lib/requeue";
import { MotoServer } from "./support/moto-server";
import { runScript } from "./support/run-script";

const HEADER = "Carrier,OriginAirportID,DestAirportID,DepDelay,ArrDelay";
const QUARANTINE_HEADER = "source_file,line,reason,flight_date,quarantined_at";

describe("the days of a reprocess range", () => {
  it("lists every day, both ends included, and names a bad or reversed value", () => {
    expect(daysBetween("2001-02-27", "2001-03-02")).toStrictEqual(["2001-02-27", "2001-02-28", "2001-03-01", "2001-03-02"]);
    expect(() => daysBetween("2001-02-30", "2001-03-01")).toThrow("--from 2001-02-30 is not a day (YYYY-MM-DD)");
    expect(() => daysBetween("2001-03-01", "1/3/2001")).toThrow("--to 1/3/2001 is not a day (YYYY-MM-DD)");
    expect(() => daysBetween("2001-03-02", "2001-03-01")).toThrow("--from 2001-03-02 is after --to 2001-03-01");
  });
});

describe("reprocess, requeue and redrive on a moto server (S3, Step Functions, SQS)", () => {
  const moto = new MotoServer();
  const bucket = "airline-ingest-dev-data-operate";
  let s3: S3Client;
  let sfn: SFNClient;
  let sqs: SQSClient;
  let outputs: string;
  let machine: string;
  let failingOutputs: string;
  let queueUrl: string;
  const env = () => ({ AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "us-east-1" });
  const put = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, Metadata: { origin: "upstream" } }));
  const modified = async (key: string) => (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).Metadata ?? {};
  const executions = async () => (await sfn.send(new ListExecutionsCommand({ stateMachineArn: machine }))).executions ?? [];

  beforeAll(async () => {
    await moto.start();
    s3 = new S3Client(moto.clientConfig);
    sfn = new SFNClient(moto.clientConfig);
    sqs = new SQSClient(moto.clientConfig);
    await moto.executeStateMachines();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // Stand-ins for the pipeline: a pass that succeeds, and one that fails.
    const stateMachine = async (name: string, end: object) =>
      (
        await sfn.send(
          new CreateStateMachineCommand({
            name,
            roleArn: `arn:aws:iam::${"0".repeat(12)}:role/x`,
            definition: JSON.stringify({ StartAt: "End", States: { End: end } }),
          }),
        )
      ).stateMachineArn as string;
    machine = await stateMachine("airline-ingest-dev-orchestration-pipeline", { Type: "Succeed" });
    const failing = await stateMachine("failing-pipeline", { Type: "Fail", Error: "Glue.JobRunFailed", Cause: "the job failed" });
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "airline-ingest-dev-trigger-dead-letters" }))).QueueUrl as string;
    const dir = mkdtempSync(join(tmpdir(), "operate-"));
    const outputsOf = (stateMachineArn: string, file: string) => {
      writeFileSync(
        join(dir, file),
        JSON.stringify({ dev: { data_bucket_name: bucket, state_machine_arn: stateMachineArn, dead_letter_queue_url: queueUrl } }),
      );
      return join(dir, file);
    };
    outputs = outputsOf(machine, "outputs.json");
    failingOutputs = outputsOf(failing, "failing-outputs.json");
    await put("daily_flights/date=2001-01-14/a.csv", `${HEADER}\nAA,1,2,3,4\n`);
    await put("daily_flights/date=2001-01-15/a.csv", `${HEADER}\nAA,1,2,3,4\n`);
    await put("daily_flights/date=2001-01-15/notes.txt", "not data");
    await put("daily_flights/date=2001-01-16/b.csv", `${HEADER}\nAA,1,2,3,4\n`);
    await put("daily_flights/date=2001-01-17/c.csv", `${HEADER}\nAA,1,2,3,4\n`);
  }, 60_000);
  afterAll(() => moto.stop());

  it("reprocess --dry-run lists exactly the days' files and changes nothing", async () => {
    const r = runScript("reprocess", ["--stack", "dev", "--from", "2001-01-15", "--to", "2001-01-16", "--dry-run", "--outputs", outputs], env());
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("would queue"))).toStrictEqual([
      "would queue daily_flights/date=2001-01-15/a.csv",
      "would queue daily_flights/date=2001-01-16/b.csv",
    ]);
    expect(await modified("daily_flights/date=2001-01-15/a.csv")).toStrictEqual({ origin: "upstream" });
    expect(await executions()).toStrictEqual([]);
  }, 60_000);

  it("reprocess copies each file of the range onto itself (metadata kept, content unchanged), requests one pass and follows it", async () => {
    const r = runScript("reprocess", ["--stack", "dev", "--from", "2001-01-15", "--to", "2001-01-16", "--outputs", outputs], env());
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("queued 2 file(s)");
    expect(r.stdout).toContain("execution SUCCEEDED");
    for (const key of ["daily_flights/date=2001-01-15/a.csv", "daily_flights/date=2001-01-16/b.csv"]) {
      expect(await modified(key)).toMatchObject({ origin: "upstream", requeued: expect.stringMatching(/^\d{4}-/) });
      expect(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString()).toBe(`${HEADER}\nAA,1,2,3,4\n`);
    }
    expect(await modified("daily_flights/date=2001-01-14/a.csv")).toStrictEqual({ origin: "upstream" });
    expect((await executions()).map((e) => e.name)).toStrictEqual([expect.stringMatching(/^reprocess-\d{4}-\d\d-\d\dT[\d-]+Z-[0-9a-f]{8}$/)]);
  }, 60_000);

  it("reprocess, requeue: a failed pass is exit 1 with its error; --no-wait returns once the pass is requested", () => {
    const args = ["--stack", "dev", "--from", "2001-01-14", "--to", "2001-01-14", "--outputs", failingOutputs];
    const followed = runScript("reprocess", args, env());
    expect(followed.status).toBe(1);
    expect(followed.stdout).toContain("execution FAILED: Glue.JobRunFailed");
    const requested = runScript("reprocess", [...args, "--no-wait"], env());
    expect(requested.stderr).toBe("");
    expect(requested.status).toBe(0);
    expect(requested.stdout).toMatch(/^started arn:aws:states:/m);
    expect(requested.stdout).not.toContain("execution ");
  }, 60_000);

  it("reprocess refuses a range with no file, naming it", () => {
    const r = runScript("reprocess", ["--stack", "dev", "--from", "2002-01-01", "--to", "2002-01-03", "--outputs", outputs], env());
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`error: no flight file in s3://${bucket}/daily_flights/date=2002-01-01/ to date=2002-01-03/`);
  }, 60_000);

  it("requeue queues only the files whose quarantined rows failed the airport lookup", async () => {
    await put(
      "quarantine/run_date=2026-12-01/source_id=c-1/part-00000.csv",
      `${QUARANTINE_HEADER}\ndaily_flights/date=2001-01-17/c.csv,"AA,1,99999,3,4",DestAirportID 99999 is not in the airport dimension,2001-01-17,2026-01-01\n`,
    );
    await put(
      "quarantine/run_date=2026-12-01/source_id=b-1/part-00000.csv",
      `${QUARANTINE_HEADER}\ndaily_flights/date=2001-01-16/b.csv,"AA,1,2,x,4",DepDelay 'x' is not an integer,2001-01-16,2026-01-01\n`,
    );
    const dry = runScript("requeue", ["--stack", "dev", "--dry-run", "--outputs", outputs], env());
    expect(dry.stdout.split("\n").filter((l) => l.startsWith("would queue"))).toStrictEqual(["would queue daily_flights/date=2001-01-17/c.csv"]);
    const before = (await executions()).length;
    const r = runScript("requeue", ["--stack", "dev", "--outputs", outputs], env());
    expect(r.status).toBe(0);
    expect(await modified("daily_flights/date=2001-01-17/c.csv")).toHaveProperty("requeued");
    expect(await executions()).toHaveLength(before + 1);
    expect(runScript("requeue", ["--stack", "dev", "--reason", "carrier", "--outputs", outputs], env()).stderr.trim()).toBe(
      "error: --reason carrier: not one of dimension, unreadable",
    );
  }, 60_000);

  it("requeue --reason unreadable queues the files set aside; one S3 still refuses to copy is an error naming it", async () => {
    const archived = "daily_flights/date=2001-01-18/archived.csv";
    const fixed = "daily_flights/date=2001-01-18/fixed.csv";
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: archived, Body: `${HEADER}\n`, StorageClass: "GLACIER" }));
    await put(fixed, `${HEADER}\n`);
    for (const key of [archived, fixed]) await put(`reports/set-aside/${key.replace(/\W/g, "_")}.json`, JSON.stringify({ key, error: "AccessDenied: x" }));
    const dry = runScript("requeue", ["--stack", "dev", "--reason", "unreadable", "--dry-run", "--outputs", outputs], env());
    expect(dry.stdout.split("\n").filter((l) => l.startsWith("would queue"))).toStrictEqual([`would queue ${archived}`, `would queue ${fixed}`]);
    const r = runScript("requeue", ["--stack", "dev", "--reason", "unreadable", "--outputs", outputs], env());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`error: s3://${bucket}/${archived}: S3 refused to copy it (ObjectNotInActiveTierError`);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: archived, Body: `${HEADER}\n` }));
    const before = (await executions()).length;
    expect(runScript("requeue", ["--stack", "dev", "--reason", "unreadable", "--outputs", outputs], env()).status).toBe(0);
    expect([await modified(archived), await modified(fixed)]).toStrictEqual([
      { requeued: expect.any(String) },
      expect.objectContaining({ requeued: expect.any(String) }),
    ]);
    expect(await executions()).toHaveLength(before + 1);
  }, 60_000);

  it("in process: setAsideFiles reads every marker's key, sorted; requeue stamps a copy, and a copy S3 refuses is an OperatorError naming it", async () => {
    const [a, b] = ["daily_flights/date=2001-01-19/a.csv", "daily_flights/date=2001-01-19/b.csv"];
    // Markers are named by source id, whose order is not the keys' order.
    for (const [marker, key] of [
      ["1", b],
      ["2", a],
    ])
      await put(`elsewhere/set-aside/${marker}.json`, JSON.stringify({ key, error: "x" }));
    expect(await setAsideFiles(s3, bucket, "elsewhere/set-aside/")).toStrictEqual([a, b]);
    await put(a, `${HEADER}\n`);
    await requeue(s3, bucket, [a], new Date("2026-12-08T01:02:03Z"));
    expect(await modified(a)).toStrictEqual({ origin: "upstream", requeued: "2026-12-08T01:02:03.000Z" });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: b, Body: `${HEADER}\n`, StorageClass: "GLACIER" }));
    const refused = requeue(s3, bucket, [b]);
    await expect(refused).rejects.toBeInstanceOf(OperatorError);
    await expect(refused).rejects.toThrow(
      new RegExp(`^s3://${bucket}/${b}: S3 refused to copy it \\(ObjectNotInActiveTierError: .+\\); restore it or fix access, then run again$`),
    );
  }, 60_000);

  it("quarantine prints a day's rows by kind of reason and by file, values left out of the kinds", async () => {
    await put(
      "quarantine/run_date=2026-12-01/source_id=d-1/part-00000.csv",
      `${QUARANTINE_HEADER}\ndaily_flights/date=2001-01-17/d.csv,"AA,1,77777,3,4",DestAirportID 77777 is not in the airport dimension,2001-01-17,2026-01-01\n` +
        `daily_flights/date=2001-01-17/d.csv,"AA,1,2,abc,4",DepDelay 'abc' is not an integer,2001-01-17,2026-01-01\n`,
    );
    const r = runScript("quarantine", ["--stack", "dev", "--date", "2001-01-17", "--outputs", outputs], env());
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split("\n")).toStrictEqual([
      "quarantine of 2001-01-17: 3 row(s) in 2 file(s)",
      "by reason:",
      "       2  DestAirportID N is not in the airport dimension",
      "       1  DepDelay '…' is not an integer",
      "by file:",
      "       2  daily_flights/date=2001-01-17/d.csv",
      "       1  daily_flights/date=2001-01-17/c.csv",
    ]);
    expect(runScript("quarantine", ["--stack", "dev", "--date", "2001-01-18", "--outputs", outputs], env()).stdout.trim()).toBe(
      "no row of 2001-01-18 is quarantined",
    );
    expect(runScript("quarantine", ["--stack", "dev", "--date", "yesterday", "--outputs", outputs], env()).stderr.trim()).toBe(
      "error: --date yesterday is not a day (YYYY-MM-DD)",
    );
  }, 60_000);

  it("redrive requests one pass for every undelivered event and then empties the queue", async () => {
    const event = (key: string) => JSON.stringify({ "detail-type": "Object Created", detail: { bucket: { name: bucket }, object: { key } } });
    for (const key of ["daily_flights/date=2001-01-18/d.csv", "daily_flights/date=2001-01-19/e.csv"])
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: event(key) }));
    const before = (await executions()).length;
    const dry = runScript("redrive", ["--stack", "dev", "--dry-run", "--outputs", outputs], env());
    expect(dry.stdout).toContain(`undelivered: s3://${bucket}/daily_flights/date=2001-01-18/d.csv`);
    expect(dry.stdout).toContain("(dry run: 2 message(s) left in the queue)");
    const failed = runScript("redrive", ["--stack", "dev", "--outputs", failingOutputs], env());
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain("the pass failed: the messages stay in the queue");
    const r = runScript("redrive", ["--stack", "dev", "--outputs", outputs], env());
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("execution SUCCEEDED");
    expect(r.stdout).toContain("deleted 2 message(s)");
    expect(await executions()).toHaveLength(before + 1);
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
    );
    expect(attributes.Attributes).toMatchObject({ ApproximateNumberOfMessages: "0", ApproximateNumberOfMessagesNotVisible: "0" });
  }, 60_000);
});
