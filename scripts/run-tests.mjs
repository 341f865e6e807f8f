#!/usr/bin/env node
// `npm test`: every tier of the project's tests, in order, on a fresh machine too (it makes its own Python env).
// Prints one line per step and ends with "N passed, M failed"; exits non-zero when any step failed.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./lib/project.mjs";
import { CHECKOV_ENV, ensurePythonEnv, GLUE_ENV } from "./lib/python-env.mjs";
import { ensureSystemPackage, POSTGRES_JDBC } from "./lib/system-packages.mjs";

const node = process.execPath;
const bin = (name) => join(ROOT, "node_modules", ".bin", name);

const steps = [
  // Made first and once per lock file, so no test waits on pip (jest's moto tests use .venv too).
  ["python environments (.venv, .venv-checkov)", () => void [GLUE_ENV, CHECKOV_ENV].forEach(ensurePythonEnv)],
  ["system packages (PostgreSQL JDBC driver)", () => void ensureSystemPackage(POSTGRES_JDBC)],
  ["type-check (tsc, once)", () => [bin("tsc"), ["--noEmit", "-p", "tsconfig.json"]]],
  ["format and lint (Biome, ruff; npm run fix repairs)", () => [node, ["scripts/lint.mjs"]]],
  ["jest (constructs, config, ASL, scripts)", () => [bin("jest"), ["--ci"]]],
  ["synth with no terraform and no credentials", () => [node, ["scripts/check-synth.mjs"]]],
  ["terraform init + validate of every stack", () => [node, ["--import", "tsx", "scripts/tf-validate.ts"]]],
  ["checkov over every stack (zero failed checks)", () => [node, ["scripts/checkov.mjs"]]],
  [
    "pytest (Glue transform on local Spark, shared SQL on PostgreSQL)",
    () => [ensurePythonEnv(GLUE_ENV), ["-m", "pytest", "-q", "-p", "no:cacheprovider", "glue-jobs/tests"]],
  ],
  ["the README's ./data commands (sample:data, dry-run upload, npm run local twice)", () => [node, ["scripts/check-local-run.mjs"]]],
];

// The SDK's notice that it will need Node 22 from 2027 would repeat in every script a test runs.
const STEP_ENV = { ...process.env, PYTHONDONTWRITEBYTECODE: "1", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
const only = process.argv.slice(2);
const results = [];
for (const [name, command] of steps) {
  if (only.length && !only.some((o) => name.includes(o))) continue;
  process.stdout.write(`\n=== ${name}\n`);
  const started = Date.now();
  let ok;
  try {
    // A step either works in this process (returns nothing) or names a command to run.
    const named = command();
    ok = named ? spawnSync(named[0], named[1], { cwd: ROOT, stdio: "inherit", env: STEP_ENV }).status === 0 : true;
  } catch (e) {
    console.error(e.message);
    ok = false;
  }
  results.push({ name, ok, seconds: (Date.now() - started) / 1000 });
}

console.log("\n=== summary");
for (const r of results) console.log(`${r.ok ? "PASS" : "FAIL"}  ${r.name}  (${r.seconds.toFixed(1)} s)`);
const failed = results.filter((r) => !r.ok).length;
console.log(`steps: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
