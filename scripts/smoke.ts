// npm run smoke -- --stack S [--outputs FILE] [--keep] [--timeout-minutes N]
// After apply and seed: proves the deployed pipeline end to end with a small known file, then cleans up.

import { RedshiftDataClient } from "@aws-sdk/client-redshift-data";
import { S3Client } from "@aws-sdk/client-s3";
import { chalk } from "zx";
import { awsClientConfig, ensureCredentials } from "./lib/aws";
import { parseCli, runScript, stackSettings } from "./lib/cli";
import { runSmoke } from "./lib/smoke";
import { readStackOutputs } from "./lib/stack-outputs";

const USAGE = `usage: npm run smoke -- --stack S [--outputs FILE] [--keep] [--timeout-minutes N]

Uploads a small flights file (two good rows, one row of each bad kind) under today's date partition, waits for the
pass that loads it (its run report), then checks through the Data API that exactly its good rows are in
daily_flights_processed with the right airports, that the quarantine holds the bad rows with reasons naming their
fields, and that the run report agrees. Then deletes its rows, quarantine and object, and prints one verdict line.
  --keep               leave the rows, quarantine and object in place
  --timeout-minutes N  how long to wait for the pass (default 30)
Exit code: 0 only when everything holds. Run seed:warehouse first.
AWS settings: AWS_PROFILE, AWS_REGION (default: the stack's region), AWS_ENDPOINT_URL.`;

void runScript(async () => {
  const args = parseCli(process.argv.slice(2), { usage: USAGE, strings: ["stack", "outputs", "timeout-minutes"], booleans: ["keep"], required: ["stack"] });
  const settings = stackSettings(String(args.stack));
  const outputs = readStackOutputs(String(args.stack), args.outputs as string | undefined);
  await ensureCredentials();
  const config = awsClientConfig(settings.region);
  const verdict = await runSmoke(
    {
      s3: new S3Client(config),
      redshift: new RedshiftDataClient(config),
      bucket: outputs.get("data_bucket_name"),
      prefixes: settings.storage.prefixes,
      warehouse: {
        workgroupName: outputs.get("redshift_workgroup_name"),
        database: outputs.get("redshift_database_name"),
        secretArn: outputs.get("redshift_admin_secret_arn"),
      },
      schema: settings.warehouse.schema,
    },
    { keep: Boolean(args.keep), timeoutMs: Number(args["timeout-minutes"] ?? 30) * 60_000, log: (l) => console.log(chalk.dim(l)) },
  );
  console.log((verdict.ok ? chalk.green : chalk.red)(verdict.line));
  return verdict.ok ? 0 : 1;
});
