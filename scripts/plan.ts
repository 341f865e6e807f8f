// npm run plan -- --stack S [--offline] [--comment FILE]
// Synthesizes, initializes and plans one stack. --offline plans a copy of the stack with no backend, placeholder
// credentials and the provider's skip_* flags: no AWS call, the full list of what would be created.

import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chalk } from "zx";
import { OperatorError, parseCli, runScript, stackSettings } from "./lib/cli";
import { changeLine, countActions, effectiveChanges, type PlannedChange, planComment } from "./lib/plan-comment";
import { terraform, terraformEnv, terraformFailure } from "./lib/terraform";

const ROOT = join(__dirname, "..");
const USAGE = `usage: npm run plan -- --stack S [--offline] [--comment FILE]

Synth, terraform init and terraform plan for one stack, then a summary of the resources to create, change and
destroy.
  --offline       no AWS account needed: a copy of the stack without its backend, placeholder credentials and
                  skip_* provider flags (nothing calls an AWS API); shows everything as to be created
  --comment FILE  also write the plan as a Markdown pull-request comment to FILE
Online plans use the stack's backend (local, S3 or Terraform Cloud) and your AWS settings (AWS_PROFILE, ...).`;

/** Placeholder credentials and skip flags: the provider configures itself without calling AWS. */
const OFFLINE_PROVIDER = {
  access_key: "offline-placeholder",
  secret_key: "offline-placeholder",
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: "true",
  skip_region_validation: true,
};

/** Synthesizes with the app command of cdktf.json, the one `cdktf synth` runs. */
function synth(): void {
  const [, ...args] = (JSON.parse(readFileSync(join(ROOT, "cdktf.json"), "utf8")) as { app: string }).app.split(/\s+/);
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new OperatorError(`synth failed: ${(r.stderr || r.stdout).trim().replace(/^error: /, "")}`);
}

/** Where the complete plan text is: the workflow artifact in CI, the file here. */
function fullPlanAt(stack: string, file: string): string {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = process.env;
  return run ? `artifact \`plan-${stack}\` of [this workflow run](${server}/${repo}/actions/runs/${run})` : `\`${file}\``;
}

/** A copy of the stack for an offline plan (cdktf.out/offline-plan/S); the synthesized stack stays untouched. */
function offlineCopy(stack: string): string {
  const source = join(ROOT, "cdktf.out", "stacks", stack);
  const dir = join(ROOT, "cdktf.out", "offline-plan", stack);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(source, "assets"), join(dir, "assets"), { recursive: true });
  const json = JSON.parse(readFileSync(join(source, "cdk.tf.json"), "utf8"));
  delete json.terraform.backend;
  delete json.terraform.cloud;
  json.provider.aws = json.provider.aws.map((p: object) => ({ ...p, ...OFFLINE_PROVIDER }));
  writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(json, null, 2));
  return dir;
}

void runScript(async () => {
  const args = parseCli(process.argv.slice(2), { usage: USAGE, strings: ["stack", "comment"], booleans: ["offline"], required: ["stack"] });
  const stack = String(args.stack);
  stackSettings(stack);
  synth();
  const offline = Boolean(args.offline);
  const dir = offline ? offlineCopy(stack) : join(ROOT, "cdktf.out", "stacks", stack);
  const base = offline ? Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_"))) : process.env;
  const env = terraformEnv({ ...base, ...(offline ? { AWS_EC2_METADATA_DISABLED: "true" } : {}) });

  const planFile = join(ROOT, "cdktf.out", `plan-${stack}.txt`);
  const init = await terraform(["init", "-input=false", "-no-color", ...(offline ? ["-backend=false"] : [])], dir, env);
  if (init.code !== 0) {
    writeFileSync(planFile, init.out);
    throw new OperatorError(terraformFailure("init", stack, init.out, planFile));
  }
  const plan = await terraform(["plan", "-input=false", "-no-color", "-lock=false", "-out=plan.tfplan"], dir, env);
  writeFileSync(planFile, plan.out);
  if (plan.code !== 0) {
    const message = terraformFailure("plan", stack, plan.out, planFile);
    if (args.comment)
      writeFileSync(
        String(args.comment),
        `<!-- plan:${stack} -->\n### Terraform plan: \`${stack}\` failed\n\n${message.replace(planFile, fullPlanAt(stack, planFile))}\n`,
      );
    throw new OperatorError(message);
  }
  const shown = await terraform(["show", "-json", "plan.tfplan"], dir, env);
  const changes: PlannedChange[] = (JSON.parse(shown.out).resource_changes ?? []).map((c: { address: string; change: { actions: string[] } }) => ({
    address: c.address,
    actions: c.change.actions,
  }));
  const counts = countActions(changes);
  const lines = effectiveChanges(changes).map(changeLine);
  const headline = `Plan for ${stack}${offline ? " (offline)" : ""}: ${counts.create} to add, ${counts.update} to change, ${counts.delete} to destroy.`;
  console.log(lines.join("\n"));
  console.log(chalk.bold(headline));
  if (args.comment) writeFileSync(String(args.comment), planComment({ stack, headline, changes, planText: plan.out, fullPlanAt: fullPlanAt(stack, planFile) }));
  return 0;
});
