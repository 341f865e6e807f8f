#!/usr/bin/env node
import { spawnSync } from "node:child_process";
// Part of `npm test`: checkov (pinned, in its own venv) over every synthesized stack. Zero failed checks allowed;
// checks that do not apply are skipped in scripts/tooling/security/checkov-skips.json, each with its reason.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, STACKS_DIR } from "../lib/project.mjs";
import { CHECKOV_ENV, ensurePythonEnv } from "../lib/python-env.mjs";

const skips = JSON.parse(readFileSync(join(ROOT, "scripts", "tooling", "security", "checkov-skips.json"), "utf8"));
for (const [id, reason] of Object.entries(skips)) {
  if (!/^CKV2?_AWS_\d+$/.test(id) || typeof reason !== "string" || reason.length < 30)
    throw new Error(`checkov-skips.json: ${id} needs a check id and a reason`);
}
const checkov = join(CHECKOV_ENV.dir, "bin", "checkov");
ensurePythonEnv(CHECKOV_ENV);

let failed = 0;
for (const stack of readdirSync(STACKS_DIR)) {
  const file = join(STACKS_DIR, stack, "cdk.tf.json");
  const r = spawnSync(
    checkov,
    ["-f", file, "--framework", "terraform_json", "--skip-check", Object.keys(skips).join(","), "--quiet", "--compact", "-o", "json", "--skip-download"],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  let report;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    console.error(`checkov did not report on ${stack} (exit ${r.status}):\n${r.stderr || r.stdout}`);
    process.exit(1);
  }
  const findings = report.results?.failed_checks ?? [];
  console.log(
    `${stack}: ${report.summary.passed} passed, ${findings.length} failed, ${report.summary.skipped} skipped (checkov ${report.summary.checkov_version})`,
  );
  for (const f of findings) console.log(`  FAILED ${f.check_id} ${f.check_name} | ${f.resource}${f.guideline ? ` | ${f.guideline}` : ""}`);
  failed += findings.length;
}
process.exit(failed ? 1 : 0);
