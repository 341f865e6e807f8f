// npm run redrive -- --stack S [--dry-run] [--no-wait] [--outputs FILE]
// Empties the trigger's dead-letter queue without losing a file: one pass loads what the lost events named.
import { SQSClient } from "@aws-sdk/client-sqs";
import { awsClientConfig } from "./lib/aws";
import { parseCli, runScript } from "./lib/cli";
import { bucketCommand, receiveAll, settleAll, startAndMaybeFollow } from "./lib/requeue";

const USAGE = `usage: npm run redrive -- --stack S [--dry-run] [--no-wait] [--outputs FILE]

The dead-letter queue holds S3 events EventBridge could not deliver. Their files were never bookmarked, so one pass
loads them all (the daily safety-net pass does the same by itself). This requests that pass, follows it, and
deletes the messages once it succeeded; when it fails they stay.
  --dry-run  list the objects the messages name; change nothing
  --no-wait  delete the messages as soon as the pass is requested`;

void runScript(async () => {
  const args = parseCli(process.argv.slice(2), {
    usage: USAGE,
    strings: ["stack", "outputs"],
    booleans: ["dry-run", "wait"],
    required: ["stack"],
    onByDefault: ["wait"],
  });
  const c = await bucketCommand(String(args.stack), args.outputs as string | undefined);
  const sqs = new SQSClient(awsClientConfig(c.settings.region));
  const queueUrl = c.outputs.get("dead_letter_queue_url");
  const messages = await receiveAll(sqs, queueUrl);
  if (!messages.length) return console.log("the dead-letter queue is empty");
  for (const m of messages) console.log(`undelivered: ${describe(m.body)}`);
  if (args["dry-run"]) {
    // Received messages hide for a while: a dry run shows them again at once.
    await settleAll(sqs, queueUrl, messages, true);
    return console.log(`(dry run: ${messages.length} message(s) left in the queue)`);
  }
  const status = await startAndMaybeFollow(
    c.sfn,
    c.outputs.get("state_machine_arn"),
    { source: "redrive", events: messages.length },
    Boolean(args.wait),
    console.log,
  );
  await settleAll(sqs, queueUrl, messages, status !== 0);
  console.log(status === 0 ? `deleted ${messages.length} message(s)` : "the pass failed: the messages stay in the queue");
  return status;
});

/** The object an undelivered event names, or its text when it is not an S3 event. */
function describe(body: string): string {
  try {
    const event = JSON.parse(body);
    return event.detail?.object?.key ? `s3://${event.detail.bucket?.name}/${event.detail.object.key}` : body.slice(0, 200);
  } catch {
    return body.slice(0, 200);
  }
}
