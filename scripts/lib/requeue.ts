import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { EnvironmentConfig } from "../../modules/config/schema";
import { awsClientConfig, ensureCredentials } from "./aws";
import { OperatorError, stackSettings } from "./cli";
import { followRequest, type PassRequest, startExecution } from "./pipeline";
import { keysUnder, quarantineRows } from "./quarantine";
import { readStackOutputs, type StackOutputs } from "./stack-outputs";

/**
 * Making the pipeline process files again through its normal path. Job bookmarks re-read an object whose
 * last-modified time changed, so a file is queued by copying it onto itself (S3 refuses a copy onto itself unless a
 * metadata value changes): the next pass replaces its rows and quarantine exactly once, and S3 emits "Object
 * Created" for it, which starts (or joins) a pass.
 */

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Every day from `from` to `to`, both included; a bad or reversed range is an error naming the value. */
export function daysBetween(from: string, to: string, flags: readonly [string, string] = ["--from", "--to"]): string[] {
  for (const [flag, value] of [
    [flags[0], from],
    [flags[1], to],
  ]) {
    if (!DAY.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value)
      throw new OperatorError(`${flag} ${value} is not a day (YYYY-MM-DD)`);
  }
  if (from > to) throw new OperatorError(`--from ${from} is after --to ${to}`);
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** The flight files (`.csv`) of the days, sorted; none at all is an error naming the range. */
export async function flightFilesOfDays(s3: S3Client, bucket: string, dailyFlightsPrefix: string, days: string[]): Promise<string[]> {
  const keys = (await Promise.all(days.map((d) => keysUnder(s3, bucket, `${dailyFlightsPrefix}date=${d}/`)))).flat().filter((k) => k.endsWith(".csv"));
  if (!keys.length) throw new OperatorError(`no flight file in s3://${bucket}/${dailyFlightsPrefix}date=${days[0]}/ to date=${days.at(-1)}/`);
  return keys.sort();
}

/** The source files whose quarantined rows name `reason` (e.g. an airport missing from the dimension). */
export async function quarantinedFiles(s3: S3Client, bucket: string, quarantinePrefix: string, reason: RegExp): Promise<string[]> {
  const rows = await quarantineRows(s3, bucket, quarantinePrefix);
  return [...new Set(rows.filter((r) => reason.test(r.reason)).map((r) => r.source_file))].sort();
}

/** The flight files a failed pass set aside as unreadable: the keys its markers (one JSON object each) name. */
export async function setAsideFiles(s3: S3Client, bucket: string, setAsidePrefix: string): Promise<string[]> {
  const markers = await Promise.all((await keysUnder(s3, bucket, setAsidePrefix)).map((k) => readJson(s3, bucket, k)));
  return markers.map((m) => String(m.key)).sort();
}

async function readJson(s3: S3Client, bucket: string, key: string): Promise<Record<string, unknown>> {
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await Body!.transformToString());
}

/**
 * Copies each object onto itself with a `requeued` metadata value, keeping its other metadata and content type (and
 * the default storage class: a restored archive copy becomes readable for good). An object S3 still refuses to copy
 * is an error naming it.
 */
export async function requeue(s3: S3Client, bucket: string, keys: string[], now = new Date()): Promise<void> {
  for (const key of keys) {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const copy = new CopyObjectCommand({
      Bucket: bucket,
      Key: key,
      CopySource: `${bucket}/${encodeURIComponent(key).replace(/%2F/g, "/")}`,
      MetadataDirective: "REPLACE",
      Metadata: { ...head.Metadata, requeued: now.toISOString() },
      ContentType: head.ContentType,
    });
    await s3.send(copy).catch((e: Error) => {
      throw new OperatorError(`s3://${bucket}/${key}: S3 refused to copy it (${e.name}: ${e.message}); restore it or fix access, then run again`);
    });
  }
}

/** The dead-letter queue's messages (undelivered S3 events), received until the queue answers with none. */
export async function receiveAll(sqs: SQSClient, queueUrl: string): Promise<Array<{ id: string; receipt: string; body: string }>> {
  const messages: Array<{ id: string; receipt: string; body: string }> = [];
  for (;;) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 900, WaitTimeSeconds: 0 }));
    if (!r.Messages?.length) return messages;
    messages.push(...r.Messages.map((m) => ({ id: m.MessageId as string, receipt: m.ReceiptHandle as string, body: m.Body ?? "" })));
  }
}

/** Deletes the messages (`keep`: makes them visible again at once, for a dry run or a failed pass). */
export async function settleAll(sqs: SQSClient, queueUrl: string, messages: Array<{ id: string; receipt: string }>, keep: boolean): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const batch = messages.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.receipt }));
    await sqs.send(
      keep
        ? new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((b) => ({ ...b, VisibilityTimeout: 0 })) })
        : new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch }),
    );
  }
}

/** Starts (or joins, when a pass runs) a pass for what was queued; with `wait`, follows it to its end. */
export async function startAndMaybeFollow(
  sfn: SFNClient,
  stateMachineArn: string,
  input: PassRequest,
  wait: boolean,
  log: (line: string) => void,
): Promise<number> {
  const executionArn = await startExecution(sfn, stateMachineArn, input);
  log(`started ${executionArn}`);
  if (!wait) return 0;
  const result = await followRequest(sfn, executionArn, { state: (s) => log(`  ${s}`), execution: (arn, why) => log(`${why}: following ${arn}`) });
  log(`execution ${result.status}${result.error ? `: ${result.error}` : ""}`);
  return result.status === "SUCCEEDED" ? 0 : 1;
}

/** What an operator command needs: the stack's settings and outputs, checked credentials, S3 and Step Functions clients. */
export async function bucketCommand(stack: string, outputsFile: string | undefined) {
  const settings: EnvironmentConfig = stackSettings(stack);
  const outputs: StackOutputs = readStackOutputs(stack, outputsFile);
  await ensureCredentials();
  const config = awsClientConfig(settings.region);
  return {
    settings,
    outputs,
    bucket: outputs.get("data_bucket_name"),
    s3: new S3Client({ ...config, forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL) }),
    sfn: new SFNClient(config),
  };
}

/** Lists what a command queues (or would), and on a real run copies the files and requests a pass. */
export async function queueAndStart(
  c: Awaited<ReturnType<typeof bucketCommand>>,
  files: string[],
  dryRun: boolean,
  wait: boolean,
  input: PassRequest,
): Promise<number> {
  for (const f of files) console.log(`${dryRun ? "would queue" : "queued"} ${f}`);
  if (dryRun) {
    console.log(`(dry run: ${files.length} file(s), nothing changed)`);
    return 0;
  }
  await requeue(c.s3, c.bucket, files);
  console.log(`queued ${files.length} file(s)`);
  return startAndMaybeFollow(c.sfn, c.outputs.get("state_machine_arn"), input, wait, console.log);
}
