// npm run quarantine -- --stack S --date YYYY-MM-DD [--outputs FILE]
// Why were rows quarantined that day? Reasons and counts, from the quarantine in the data bucket.
import { parseCli, runScript } from "./lib/cli";
import { quarantineReport, quarantineRows } from "./lib/quarantine";
import { bucketCommand, daysBetween } from "./lib/requeue";

const USAGE = `usage: npm run quarantine -- --stack S --date YYYY-MM-DD [--outputs FILE]

Prints the quarantined rows of one flight date by kind of reason (values left out) and by file, most first.
Each row keeps its raw line and full reason in s3://<bucket>/quarantine/run_date=<day of the run>/source_id=<file id>/*.csv;
SQL over them: the Athena workgroup of the stack output ops_query_workgroup.`;

void runScript(async () => {
  const args = parseCli(process.argv.slice(2), { usage: USAGE, strings: ["stack", "date", "outputs"], required: ["stack", "date"] });
  const [date] = daysBetween(String(args.date), String(args.date), ["--date", "--date"]);
  const c = await bucketCommand(String(args.stack), args.outputs as string | undefined);
  for (const line of quarantineReport(await quarantineRows(c.s3, c.bucket, c.settings.storage.prefixes.quarantine), date)) console.log(line);
});
