// npm run cost -- --stack S
// The idle monthly cost of a synthesized stack, from the price table in scripts/prices/aws-prices.json.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { OperatorError, parseCli, runScript, stackSettings } from "./lib/cli";
import { formatCost, idleCost, loadPrices } from "./lib/cost";

const USAGE = `usage: npm run cost -- --stack S

What stack S bills per month while nothing runs (endpoints, NAT, public IPv4, KMS keys, secrets, alarms,
dashboards), read from its synthesized Terraform (npm run synth first), and the services billed by use.`;

void runScript(async () => {
  const args = parseCli(process.argv.slice(2), { usage: USAGE, strings: ["stack"], required: ["stack"] });
  const stack = String(args.stack);
  const { region } = stackSettings(stack);
  const file = join(process.env.CDKTF_STACKS_DIR ?? join(__dirname, "..", "cdktf.out", "stacks"), stack, "cdk.tf.json");
  if (!existsSync(file)) throw new OperatorError(`stack "${stack}" is not synthesized (${file} missing): run npm run synth`);
  const prices = loadPrices();
  console.log(formatCost(stack, region, idleCost(JSON.parse(readFileSync(file, "utf8")), region, prices), prices));
});
