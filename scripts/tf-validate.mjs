#!/usr/bin/env node
// `terraform init` + `terraform validate` of every synthesized stack with the real Terraform CLI and AWS provider.
// Uses the machine's offline provider mirror when it exists, the registry otherwise.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { STACKS_DIR } from "./lib/project.mjs";

const MIRROR = process.env.TF_PROVIDER_MIRROR || "/opt/tf-plugins";

export function terraformEnv() {
  const env = { ...process.env, TF_IN_AUTOMATION: "1", TF_INPUT: "0", CHECKPOINT_DISABLE: "1" };
  if (existsSync(MIRROR)) {
    const dir = mkdtempSync(join(tmpdir(), "tf-cli-"));
    const file = join(dir, "cli.tfrc");
    writeFileSync(file, `provider_installation {\n  filesystem_mirror {\n    path    = "${MIRROR}"\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n`);
    env.TF_CLI_CONFIG_FILE = file;
  }
  return env;
}

export function terraform(args, cwd, env) {
  return new Promise((resolve) => {
    const child = spawn("terraform", args, { cwd, env });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", (e) => resolve({ code: 127, out: `terraform not runnable: ${e.message}` }));
    child.on("close", (code) => resolve({ code, out }));
  });
}

async function validateStack(stack, env) {
  const cwd = join(STACKS_DIR, stack);
  const init = await terraform(["init", "-backend=false", "-input=false", "-no-color"], cwd, env);
  if (init.code !== 0) return { stack, ok: false, detail: init.out };
  const validate = await terraform(["validate", "-json", "-no-color"], cwd, env);
  const result = JSON.parse(validate.out.slice(validate.out.indexOf("{")) || "{}");
  const problems = (result.diagnostics ?? []).map((d) => `${d.severity}: ${d.summary}${d.address ? ` (${d.address})` : ""}: ${d.detail ?? ""}`);
  return { stack, ok: validate.code === 0 && result.valid === true && !problems.some((p) => p.startsWith("error")), detail: problems.join("\n") };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!existsSync(STACKS_DIR)) {
    console.error(`tf-validate: ${STACKS_DIR} does not exist; run 'npm run synth' first`);
    process.exit(1);
  }
  const stacks = readdirSync(STACKS_DIR);
  const env = terraformEnv();
  const results = await Promise.all(stacks.map((s) => validateStack(s, env)));
  for (const r of results) console.log(`${r.ok ? "valid  " : "INVALID"} ${r.stack}${r.detail ? `\n${r.detail}` : ""}`);
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}
