// npm run quarantine -- --stack S --date YYYY-MM-DD [--outputs FILE]
// Why were rows quarantined that day? Reasons and counts, from the quarantine in the data bucket.
import { S3Client } from "@aws-sdk/client-s3";
import { awsClientConfig, ensureCredentials } from "./lib/aws";
import { parseCli, runScript, stackSettings } from "./lib/cli";
import { quarantineReport, quarantineRows } from "./lib/quarantine";
import { daysBetween } from "./lib/requeue";
import { readStackOutputs } from "./lib/stack-outputs";

const USAGE = `usage: npm run quarantine -- --stack S --date YYYY-MM-DD [--outputs FILE]

Prints the quarantined rows of one flight date by kind of reason (values left out) and by file, most first.
Each row keeps its raw line and full reason in s3://<bucket>/quarantine/source_id=<file id>/*.csv.`;

void runScript(async () => {
  const args = parseCli(process.argv.slice(2), { usage: USAGE, strings: ["stack", "date", "outputs"], required: ["stack", "date"] });
  const [date] = daysBetween(String(args.date), String(args.date), ["--date", "--date"]);
  const settings = stackSettings(String(args.stack));
  const outputs = readStackOutputs(String(args.stack), args.outputs as string | undefined);
  await ensureCredentials();
  const s3 = new S3Client({ ...awsClientConfig(settings.region), forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL) });
  for (const line of quarantineReport(await quarantineRows(s3, outputs.get("data_bucket_name"), settings.storage.prefixes.quarantine), date)) console.log(line);
});
