// npm run seed:warehouse -- --stack S [--outputs FILE] [--dry-run] [--rotate-etl-password]
// Creates the Glue job's own user, the airline schema and tables, the user's grants, and (re)loads the airport
// dimension from the data bucket with COPY, in one Data API batch (one transaction): rerunning replaces the
// dimension, a failed COPY keeps the old one. Then stores the user's password in the stack's secret (first run, or
// --rotate-etl-password) and crawls the Redshift tables, so the Glue job finds the dimension in the Data Catalog.

import { GlueClient } from "@aws-sdk/client-glue";
import { RedshiftDataClient } from "@aws-sdk/client-redshift-data";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { chalk } from "zx";
import { loadPipelineConfig } from "../modules/config/load";
import { ResourceNames } from "../modules/naming";
import type { OutputName } from "../modules/outputs";
import { checkAirportFile } from "./lib/airport-file";
import { awsClientConfig, ensureCredentials } from "./lib/aws";
import { OperatorError, parseCli, runScript, stackSettings } from "./lib/cli";
import { crawlAndWait } from "./lib/crawler";
import { etlUserStatement, newPassword, redshiftPasswordHash, secretHasValue, storeEtlSecret } from "./lib/etl-user";
import { queryRows, runBatch } from "./lib/redshift-data";
import { warehouseSeedStatements } from "./lib/sql-files";
import { readStackOutputs, type StackOutputs } from "./lib/stack-outputs";

const USAGE = `usage: npm run seed:warehouse -- --stack S [--outputs FILE] [--dry-run]

Runs sql/shared and sql/redshift in apply order through the Redshift Data API: schema, dimension and fact table,
then the COPY of airport_codes/airport_codes.csv with the namespace's role (output redshift_copy_role_arn).
Upload the airport file first (npm run seed:upload -- --only airport_codes/ ...). Then runs the crawler over
the Redshift tables and waits for it, so the Glue job finds the dimension in the Data Catalog.
  --stack S       the environment/stack (dev, prod, ...)
  --outputs FILE  stack outputs from 'terraform output -json' or 'cdktf output --outputs-file'
                  (default: terraform output of cdktf.out/stacks/S)
  --dry-run       print the statements, run nothing
  --rotate-etl-password  give the Glue job's user a new password (also done on the first run)
AWS settings: AWS_PROFILE, AWS_REGION (default: the stack's region), AWS_ENDPOINT_URL.`;

/** A dry run needs no applied stack: values it cannot know yet print as <output_name>. */
function outputsOrPlaceholders(stack: string, file: string | undefined): Pick<StackOutputs, "get"> {
  try {
    return readStackOutputs(stack, file);
  } catch (e) {
    if (!(e instanceof OperatorError)) throw e;
    console.log(chalk.dim(`-- (dry run without the stack's outputs: ${e.message}; their values show as <output_name>)`));
    return { get: (name: OutputName) => `<${name}>` };
  }
}

void runScript(async () => {
  const args = parseCli(process.argv.slice(2), {
    usage: USAGE,
    strings: ["stack", "outputs"],
    booleans: ["dry-run", "rotate-etl-password"],
    required: ["stack"],
  });
  const stack = String(args.stack);
  const settings = stackSettings(stack);
  const outputs = args["dry-run"]
    ? outputsOrPlaceholders(stack, args.outputs as string | undefined)
    : readStackOutputs(stack, args.outputs as string | undefined);
  const airportCodesKey = `${settings.storage.prefixes.airportCodes}airport_codes.csv`;
  const statements = warehouseSeedStatements({
    schema: settings.warehouse.schema,
    bucket: outputs.get("data_bucket_name"),
    airport_codes_key: airportCodesKey,
    copy_role_arn: outputs.get("redshift_copy_role_arn"),
    etl_user: settings.warehouse.etlUsername,
  });
  if (args["dry-run"]) {
    for (const [i, s] of statements.entries()) console.log(`-- ${i + 1}. ${s.file}\n${s.sql};\n`);
    console.log(
      chalk.dim(
        `(dry run: ${statements.length} statements, nothing sent; first: CREATE USER ${settings.warehouse.etlUsername} (or ALTER USER ... PASSWORD when it exists) with a new password's md5 hash)`,
      ),
    );
    return;
  }
  await ensureCredentials();
  const airports = await new S3Client(awsClientConfig(settings.region)).send(
    new GetObjectCommand({ Bucket: outputs.get("data_bucket_name"), Key: airportCodesKey }),
  );
  checkAirportFile(
    await (airports.Body as { transformToString(): Promise<string> }).transformToString(),
    `s3://${outputs.get("data_bucket_name")}/${airportCodesKey}`,
  );
  const client = new RedshiftDataClient(awsClientConfig(settings.region));
  const secrets = new SecretsManagerClient(awsClientConfig(settings.region));
  const target = {
    workgroupName: outputs.get("redshift_workgroup_name"),
    database: outputs.get("redshift_database_name"),
    secretArn: outputs.get("redshift_admin_secret_arn"),
  };
  const etlSecretArn = outputs.get("redshift_etl_secret_arn");
  const user = settings.warehouse.etlUsername;
  const exists = (await queryRows(client, target, `SELECT 1 FROM pg_user WHERE usename = '${user}'`)).length > 0;
  const password = args["rotate-etl-password"] || !exists || !(await secretHasValue(secrets, etlSecretArn)) ? newPassword() : null;
  const userStatements = password ? [etlUserStatement(user, redshiftPasswordHash(user, password), exists)] : [];
  const batch = [...userStatements, ...statements];
  console.log(`running ${batch.length} statements on ${target.workgroupName}/${target.database} as one transaction ...`);
  const done = await runBatch(
    client,
    target,
    batch.map((s) => s.sql),
    { timeoutMs: 15 * 60_000 },
  );
  // After the batch: a failed batch leaves the old password in Redshift and in the secret alike.
  if (password) await storeEtlSecret(secrets, etlSecretArn, user, password);
  console.log(
    chalk.green(
      `done in ${((done.Duration ?? 0) / 1e9).toFixed(1)} s: schema ${settings.warehouse.schema}, dim_airport_codes reloaded, daily_flights_processed ready, user ${user}${password ? " with a new password in its secret" : ""}`,
    ),
  );
  const crawler = new ResourceNames(loadPipelineConfig().project, stack).redshiftCrawler;
  console.log(`crawling the Redshift tables with ${crawler} ...`);
  await crawlAndWait(new GlueClient(awsClientConfig(settings.region)), crawler, { onState: (state) => console.log(chalk.dim(`  ${state}`)) });
  console.log(chalk.green("the Data Catalog has the Redshift tables: the pipeline can run"));
});
