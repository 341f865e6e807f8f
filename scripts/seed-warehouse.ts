// npm run seed:warehouse -- --stack S [--outputs FILE] [--dry-run]
// Creates the airline schema and tables and (re)loads the airport dimension from the data bucket with COPY,
// in one Data API batch (one transaction): rerunning replaces the dimension, a failed COPY keeps the old one.
// Then crawls the Redshift tables, so the Glue job finds the dimension in the Data Catalog.
import { RedshiftDataClient } from "@aws-sdk/client-redshift-data";
import { GlueClient } from "@aws-sdk/client-glue";
import { loadPipelineConfig } from "../modules/config/load";
import { ResourceNames } from "../modules/naming";
import { redshiftCrawlerName } from "../modules/catalog";
import { crawlAndWait } from "./lib/crawler";
import { chalk } from "zx";
import { parseCli, runScript, stackSettings } from "./lib/cli";
import { readStackOutputs } from "./lib/stack-outputs";
import { awsClientConfig, ensureCredentials } from "./lib/aws";
import { warehouseSeedStatements } from "./lib/sql-files";
import { runBatch } from "./lib/redshift-data";

const USAGE = `usage: npm run seed:warehouse -- --stack S [--outputs FILE] [--dry-run]

Runs sql/shared and sql/redshift in apply order through the Redshift Data API: schema, dimension and fact table,
then the COPY of airport_codes/airport_codes.csv with the namespace's role (output redshift_copy_role_arn).
Upload the airport file first (npm run seed:upload -- --only airport_codes/ ...). Then runs the crawler over
the Redshift tables and waits for it, so the Glue job finds the dimension in the Data Catalog.
  --stack S       the environment/stack (dev, prod, ...)
  --outputs FILE  stack outputs from 'terraform output -json' or 'cdktf output --outputs-file'
                  (default: terraform output of cdktf.out/stacks/S)
  --dry-run       print the statements, run nothing
AWS settings: AWS_PROFILE, AWS_REGION (default: the stack's region), AWS_ENDPOINT_URL.`;

void runScript(async () => {
  const args = parseCli(process.argv.slice(2), { usage: USAGE, strings: ["stack", "outputs"], booleans: ["dry-run"], required: ["stack"] });
  const stack = String(args.stack);
  const settings = stackSettings(stack);
  const outputs = readStackOutputs(stack, args.outputs as string | undefined);
  const statements = warehouseSeedStatements({
    schema: settings.warehouse.schema,
    bucket: outputs.get("data_bucket_name"),
    airport_codes_key: `${settings.storage.prefixes.airportCodes}airport_codes.csv`,
    copy_role_arn: outputs.get("redshift_copy_role_arn"),
  });
  if (args["dry-run"]) {
    statements.forEach((s, i) => console.log(`-- ${i + 1}. ${s.file}\n${s.sql};\n`));
    console.log(chalk.dim(`(dry run: ${statements.length} statements, nothing sent)`));
    return;
  }
  await ensureCredentials();
  const client = new RedshiftDataClient(awsClientConfig(settings.region));
  const target = { workgroupName: outputs.get("redshift_workgroup_name"), database: outputs.get("redshift_database_name"), secretArn: outputs.get("redshift_admin_secret_arn") };
  console.log(`running ${statements.length} statements on ${target.workgroupName}/${target.database} as one transaction ...`);
  const done = await runBatch(client, target, statements.map((s) => s.sql), { timeoutMs: 15 * 60_000 });
  console.log(chalk.green(`done in ${((done.Duration ?? 0) / 1e9).toFixed(1)} s: schema ${settings.warehouse.schema}, dim_airport_codes reloaded, daily_flights_processed ready`));
  const crawler = redshiftCrawlerName(new ResourceNames(loadPipelineConfig().project, stack));
  console.log(`crawling the Redshift tables with ${crawler} ...`);
  await crawlAndWait(new GlueClient(awsClientConfig(settings.region)), crawler, { onState: (state) => console.log(chalk.dim(`  ${state}`)) });
  console.log(chalk.green("the Data Catalog has the Redshift tables: the pipeline can run"));
});
