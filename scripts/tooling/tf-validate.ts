// Part of `npm test`: `terraform init` + `terraform validate` of every synthesized stack with the real Terraform
// CLI and AWS provider (the machine's offline mirror when it has one, the registry otherwise).
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { terraform, terraformEnv } from "../lib/terraform";

const STACKS_DIR = process.env.CDKTF_STACKS_DIR || join(__dirname, "..", "..", "cdktf.out", "stacks");

async function validateStack(stack: string, env: NodeJS.ProcessEnv): Promise<{ stack: string; ok: boolean; detail: string }> {
  const cwd = join(STACKS_DIR, stack);
  const init = await terraform(["init", "-backend=false", "-input=false", "-no-color"], cwd, env);
  if (init.code !== 0) return { stack, ok: false, detail: init.out };
  const validate = await terraform(["validate", "-json", "-no-color"], cwd, env);
  const result = JSON.parse(validate.out.slice(validate.out.indexOf("{")) || "{}");
  const problems: string[] = (result.diagnostics ?? []).map(
    (d: { severity: string; summary: string; address?: string; detail?: string }) =>
      `${d.severity}: ${d.summary}${d.address ? ` (${d.address})` : ""}: ${d.detail ?? ""}`,
  );
  return { stack, ok: validate.code === 0 && result.valid === true, detail: problems.join("\n") };
}

async function main(): Promise<number> {
  if (!existsSync(STACKS_DIR)) {
    console.error(`tf-validate: ${STACKS_DIR} does not exist; run 'npm run synth' first`);
    return 1;
  }
  const env = terraformEnv();
  const results = await Promise.all(readdirSync(STACKS_DIR).map((s) => validateStack(s, env)));
  for (const r of results) console.log(`${r.ok ? "valid  " : "INVALID"} ${r.stack}${r.detail ? `\n${r.detail}` : ""}`);
  return results.every((r) => r.ok) ? 0 : 1;
}

void main().then((code) => (process.exitCode = code));
