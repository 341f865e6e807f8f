// npm run plan -- --stack S [--offline] [--comment FILE]
// Synthesizes, initializes and plans one stack. --offline plans a copy of the stack with no backend, placeholder
// credentials and the provider's skip_* flags: no AWS call, the full list of what would be created.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { chalk } from "zx";
import { OperatorError, parseCli, runScript, stackSettings } from "./lib/cli";
import { terraform, terraformEnv } from "./lib/terraform";

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

function synth(): void {
  const r = spawnSync(process.execPath, ["--import", "tsx", "main.ts"], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new OperatorError(`synth failed:\n${r.stderr || r.stdout}`);
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

interface Change {
  readonly address: string;
  readonly actions: string[];
}

function summarize(changes: Change[]): { counts: Record<string, number>; lines: string[] } {
  const symbol: Record<string, string> = { create: "+", update: "~", delete: "-", "delete,create": "-/+", "create,delete": "+/-" };
  const relevant = changes.filter((c) => !(c.actions.length === 1 && (c.actions[0] === "no-op" || c.actions[0] === "read")));
  const counts = { create: 0, update: 0, delete: 0 };
  for (const c of relevant) {
    if (c.actions.includes("create")) counts.create++;
    if (c.actions.includes("update")) counts.update++;
    if (c.actions.includes("delete")) counts.delete++;
  }
  return { counts, lines: relevant.map((c) => `${symbol[c.actions.join(",")] ?? c.actions.join(",")} ${c.address}`) };
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

  const init = await terraform(["init", "-input=false", "-no-color", ...(offline ? ["-backend=false"] : [])], dir, env);
  if (init.code !== 0) throw new OperatorError(`terraform init failed for ${stack}:\n${init.out}`);
  const plan = await terraform(["plan", "-input=false", "-no-color", "-lock=false", "-out=plan.tfplan"], dir, env);
  if (plan.code !== 0) {
    if (args.comment) writeFileSync(String(args.comment), `<!-- plan:${stack} -->\n### Terraform plan: \`${stack}\` failed\n\n\`\`\`\n${plan.out.slice(-60000)}\n\`\`\`\n`);
    throw new OperatorError(`terraform plan failed for ${stack}:\n${plan.out}`);
  }
  const shown = await terraform(["show", "-json", "plan.tfplan"], dir, env);
  const changes: Change[] = (JSON.parse(shown.out).resource_changes ?? []).map((c: { address: string; change: { actions: string[] } }) => ({ address: c.address, actions: c.change.actions }));
  const { counts, lines } = summarize(changes);
  const headline = `Plan for ${stack}${offline ? " (offline)" : ""}: ${counts.create} to add, ${counts.update} to change, ${counts.delete} to destroy.`;
  console.log(lines.join("\n"));
  console.log(chalk.bold(headline));
  if (args.comment) {
    const body = [
      `<!-- plan:${stack} -->`,
      `### Terraform plan: \`${stack}\``,
      `**${headline}**`,
      "",
      "<details><summary>Resources</summary>",
      "",
      "```diff",
      ...lines,
      "```",
      "</details>",
      "",
      "<details><summary>Full plan</summary>",
      "",
      "```",
      plan.out.slice(-50000),
      "```",
      "</details>",
    ].join("\n");
    writeFileSync(String(args.comment), body);
  }
  return 0;
});
