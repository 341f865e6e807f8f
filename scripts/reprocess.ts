// npm run reprocess -- --stack S --from YYYY-MM-DD --to YYYY-MM-DD [--dry-run] [--wait] [--outputs FILE]
// Makes the pipeline process every flight file of those days again, through its normal path.
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { awsClientConfig, ensureCredentials } from "./lib/aws";
import { parseCli, runScript, stackSettings } from "./lib/cli";
import { daysBetween, flightFilesOfDays, requeue, startAndMaybeFollow } from "./lib/requeue";
import { readStackOutputs } from "./lib/stack-outputs";

const USAGE = `usage: npm run reprocess -- --stack S --from YYYY-MM-DD --to YYYY-MM-DD [--dry-run] [--wait] [--outputs FILE]

Queues every daily flight file of those days (both included) again: each object is copied onto itself, so the
job's bookmark sees it modified and the next pass replaces its rows and quarantine exactly once. Then requests a
pass (or joins the running one). A range with no file is an error.
  --dry-run  list exactly the files that would be queued; change nothing
  --wait     follow the pass to its end (exit 0 only when it succeeded)
AWS settings: AWS_PROFILE, AWS_REGION (default: the stack's region), AWS_ENDPOINT_URL.`;

void runScript(async () => {
  const args = parseCli(process.argv.slice(2), {
    usage: USAGE,
    strings: ["stack", "from", "to", "outputs"],
    booleans: ["dry-run", "wait"],
    required: ["stack", "from", "to"],
  });
  const settings = stackSettings(String(args.stack));
  const days = daysBetween(String(args.from), String(args.to));
  const outputs = readStackOutputs(String(args.stack), args.outputs as string | undefined);
  await ensureCredentials();
  const config = awsClientConfig(settings.region);
  const s3 = new S3Client({ ...config, forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL) });
  const bucket = outputs.get("data_bucket_name");
  const files = await flightFilesOfDays(s3, bucket, settings.storage.prefixes.dailyFlights, days);
  for (const f of files) console.log(`${args["dry-run"] ? "would queue" : "queued"} ${f}`);
  if (args["dry-run"]) return console.log(`(dry run: ${files.length} file(s) of ${days.length} day(s), nothing changed)`);
  await requeue(s3, bucket, files);
  console.log(`queued ${files.length} file(s) of ${days.length} day(s)`);
  return startAndMaybeFollow(
    new SFNClient(config),
    outputs.get("state_machine_arn"),
    { source: "reprocess", from: days[0], to: days.at(-1) },
    Boolean(args.wait),
    console.log,
  );
});
