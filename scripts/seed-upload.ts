// npm run seed:upload -- --data DIR --stack S [--outputs FILE] [--dry-run]
// Uploads a folder laid out like the bucket; refuses what does not fit the contract; skips unchanged files.
import { existsSync, statSync } from "node:fs";
import { S3Client } from "@aws-sdk/client-s3";
import { Presets, SingleBar } from "cli-progress";
import { chalk } from "zx";
import { awsClientConfig, ensureCredentials } from "./lib/aws";
import { OperatorError, parseCli, runScript, stackSettings } from "./lib/cli";
import { readStackOutputs } from "./lib/stack-outputs";
import { listFiles, planUploads, uploadFile } from "./lib/upload";

const USAGE = `usage: npm run seed:upload -- --data DIR --stack S [--outputs FILE] [--only PREFIX] [--dry-run]

Uploads DIR (laid out like the bucket) to the stack's data bucket:
  airport_codes/airport_codes.csv and daily_flights/date=YYYY-MM-DD/<name>.csv (prefixes from the config).
Other files are listed and refused (exit code 2 when any was refused); files whose SHA-256 matches the object
already in the bucket are skipped. Every uploaded daily flights file starts the pipeline.
  --only PREFIX  upload only keys under PREFIX (airport_codes/ first, before seed:warehouse)
  --dry-run      print what would be uploaded, skipped and refused; upload nothing. Works without AWS
                 credentials or an applied stack: then it checks the layout only (no checksum comparison)
AWS settings: AWS_PROFILE, AWS_REGION (default: the stack's region), AWS_ENDPOINT_URL.`;

const CONCURRENCY = 4;

void runScript(async () => {
  const args = parseCli(process.argv.slice(2), {
    usage: USAGE,
    strings: ["stack", "outputs", "data", "only"],
    booleans: ["dry-run"],
    required: ["data", "stack"],
  });
  const data = String(args.data);
  if (!existsSync(data) || !statSync(data).isDirectory()) throw new OperatorError(`--data ${data} is not a folder`);
  const stack = String(args.stack);
  const settings = stackSettings(stack);
  const target = await uploadTarget(stack, args.outputs as string | undefined, Boolean(args["dry-run"]));
  if ("offline" in target) console.log(chalk.yellow(`dry run: checking the layout only, no checksum comparison (${target.offline})`));
  const bucket = "bucket" in target ? target.bucket : `<data bucket of stack ${stack}>`;
  const s3 = "bucket" in target ? new S3Client(awsClientConfig(settings.region)) : null;
  const only = (args.only as string | undefined) ?? "";
  const plan = await planUploads(
    s3,
    bucket,
    listFiles(data).filter((f) => f.key.startsWith(only)),
    settings.storage.prefixes,
  );
  const refused = plan.filter((p) => p.action === "refuse");
  const skipped = plan.filter((p) => p.action === "skip");
  const uploads = plan.flatMap((p) => (p.action === "upload" ? [p] : []));
  for (const r of refused) console.log(chalk.yellow(`refused ${r.file.key}: ${"reason" in r ? r.reason : ""}`));

  const bytes = uploads.reduce((n, u) => n + u.file.bytes, 0);
  if (args["dry-run"]) {
    for (const u of uploads) console.log(`would upload ${u.file.key} (${u.file.bytes} bytes)`);
  } else if (uploads.length && s3) {
    const bar = process.stdout.isTTY ? new SingleBar({ format: "uploading {bar} {value}/{total} files | {key}" }, Presets.shades_classic) : null;
    bar?.start(uploads.length, 0, { key: "" });
    const queue = [...uploads];
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let u = queue.shift(); u; u = queue.shift()) {
          await uploadFile(s3, bucket, u.file, u.sha256);
          if (bar) bar.increment({ key: u.file.key });
          else console.log(`uploaded ${u.file.key}`);
        }
      }),
    );
    bar?.stop();
  }
  const verb = args["dry-run"] ? "would upload" : "uploaded";
  console.log(
    `${verb} ${uploads.length} file(s) (${bytes} bytes) to ${s3 ? `s3://${bucket}` : bucket}; ${skipped.length} unchanged skipped; ${refused.length} refused`,
  );
  return refused.length ? 2 : 0;
});

/** The stack's bucket, with credentials checked; a dry run without outputs or credentials gets why, instead. */
async function uploadTarget(stack: string, outputs: string | undefined, dryRun: boolean): Promise<{ bucket: string } | { offline: string }> {
  try {
    const bucket = readStackOutputs(stack, outputs).get("data_bucket_name");
    await ensureCredentials();
    return { bucket };
  } catch (e) {
    // The whole reason, paths and all: a message cut at its first '.' or ':' cuts a path in two.
    if (dryRun && e instanceof OperatorError) return { offline: e.message };
    throw e;
  }
}
