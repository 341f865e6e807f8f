// npm run pipeline:start -- --stack S [--outputs FILE] [--wait]
// Requests a pass by hand (an execution, like an upload's); with --wait follows the pass that serves it to the end.
import { SFNClient } from "@aws-sdk/client-sfn";
import { chalk } from "zx";
import { awsClientConfig, ensureCredentials } from "./lib/aws";
import { parseCli, runScript, stackSettings } from "./lib/cli";
import { consoleLinks, followRequest, startExecution, whoServes } from "./lib/pipeline";
import { readStackOutputs } from "./lib/stack-outputs";

const USAGE = `usage: npm run pipeline:start -- --stack S [--outputs FILE] [--wait]

Requests a pass (crawler, Glue job, report, one message) by starting an execution of the stack's state machine.
When a pass is already running, the execution records the request and ends at once; the owner of the
running pass then runs another pass for it.
  --wait  follow the request until the pass that serves it ends (the owner's execution, when it coalesced);
          print each state, the final status and the Glue job run
Exit code with --wait: 0 when that execution SUCCEEDED, 1 otherwise.
AWS settings: AWS_PROFILE, AWS_REGION (default: the stack's region), AWS_ENDPOINT_URL.`;

void runScript(async () => {
  const args = parseCli(process.argv.slice(2), { usage: USAGE, strings: ["stack", "outputs"], booleans: ["wait"], required: ["stack"] });
  const settings = stackSettings(String(args.stack));
  const outputs = readStackOutputs(String(args.stack), args.outputs as string | undefined);
  await ensureCredentials();
  const config = awsClientConfig(settings.region);
  const sfn = new SFNClient(config);
  const executionArn = await startExecution(sfn, outputs.get("state_machine_arn"), { source: "manual", startedBy: process.env.USER ?? "operator" });
  console.log(`started ${executionArn}`);
  if (!args.wait) {
    const serving = await whoServes(sfn, executionArn);
    if (!serving) console.log("not yet known whether this execution runs the pass or a running pass serves it (see the console)");
    else if (serving.owner) console.log("this execution owns the new pass");
    else console.log(`a pass is running: ${serving.arn} owns it and serves this request (--wait follows it)`);
    for (const l of consoleLinks(config.region, serving?.arn ?? executionArn, outputs.get("glue_job_name"))) console.log(l);
    return 0;
  }
  const result = await followRequest(sfn, executionArn, {
    state: (state) => console.log(chalk.dim(`  ${new Date().toISOString()} ${state}`)),
    execution: (arn, why) => console.log(`${why}: following ${arn}`),
  });
  const colour = result.status === "SUCCEEDED" ? chalk.green : chalk.red;
  console.log(
    colour(`execution ${result.status}${result.error ? `: ${result.error}` : ""}${result.output?.passes ? ` after ${result.output.passes} pass(es)` : ""}`),
  );
  if (result.cause) console.log(result.cause);
  console.log(`job run: ${result.jobRunId ?? "(none: the job did not start)"}`);
  for (const l of consoleLinks(config.region, result.executionArn, outputs.get("glue_job_name"), result.jobRunId)) console.log(l);
  return result.status === "SUCCEEDED" ? 0 : 1;
});
