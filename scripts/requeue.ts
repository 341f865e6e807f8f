// npm run requeue -- --stack S [--reason dimension] [--dry-run] [--wait] [--outputs FILE]
// After a fix of the airport dimension: re-runs the files whose quarantined rows failed the airport lookup.
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { awsClientConfig, ensureCredentials } from "./lib/aws";
import { OperatorError, parseCli, runScript, stackSettings } from "./lib/cli";
import { quarantinedFiles, requeue, startAndMaybeFollow } from "./lib/requeue";
import { readStackOutputs } from "./lib/stack-outputs";

/** Quarantine reasons a requeue can cure, by name (the row rules' own wording). */
const REASONS: Record<string, RegExp> = { dimension: /AirportID \S+ is not in the airport dimension$/ };

const USAGE = `usage: npm run requeue -- --stack S [--reason dimension] [--dry-run] [--wait] [--outputs FILE]

Finds the source files whose quarantined rows failed the airport lookup (run seed:warehouse with the fixed airport
file first), queues them again (each object copied onto itself) and requests a pass: rows that now join move into
the table, and each file's quarantine keeps only what still fails.
  --reason   which quarantine reason to cure (default and only: dimension)
  --dry-run  list the files that would be queued; change nothing
  --wait     follow the pass to its end (exit 0 only when it succeeded)`;

void runScript(async () => {
  const args = parseCli(process.argv.slice(2), { usage: USAGE, strings: ["stack", "reason", "outputs"], booleans: ["dry-run", "wait"], required: ["stack"] });
  const reason = REASONS[String(args.reason ?? "dimension")];
  if (!reason) throw new OperatorError(`--reason ${args.reason}: not one of ${Object.keys(REASONS).join(", ")}`);
  const settings = stackSettings(String(args.stack));
  const outputs = readStackOutputs(String(args.stack), args.outputs as string | undefined);
  await ensureCredentials();
  const config = awsClientConfig(settings.region);
  const s3 = new S3Client({ ...config, forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL) });
  const bucket = outputs.get("data_bucket_name");
  const files = await quarantinedFiles(s3, bucket, settings.storage.prefixes.quarantine, reason);
  if (!files.length) return console.log("no quarantined row failed the airport lookup: nothing to requeue");
  for (const f of files) console.log(`${args["dry-run"] ? "would queue" : "queued"} ${f}`);
  if (args["dry-run"]) return console.log(`(dry run: ${files.length} file(s), nothing changed)`);
  await requeue(s3, bucket, files);
  return startAndMaybeFollow(
    new SFNClient(config),
    outputs.get("state_machine_arn"),
    { source: "requeue", reason: "dimension" },
    Boolean(args.wait),
    console.log,
  );
});
