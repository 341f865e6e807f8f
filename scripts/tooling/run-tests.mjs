#!/usr/bin/env node
// `npm test`: every tier of the project's tests, on a fresh machine too (it makes its own Python env). The set-up
// steps run first; then two lanes at once, each step after step: the Node lane (type-check, lint, jest, the checks
// of the synthesized stacks) and the Spark lane (pytest, then the README's ./data commands), split so that both end
// at about the same time on 2 cores. Each step's output is kept in a log file and printed whole when it ends, so the
// lanes' lines never interleave. `npm test -- --serial` runs every step in order with its output live; names after
// it (`npm test -- pytest`) run only the steps whose name contains one. Ends with one line per step and "N passed, M
// failed"; exits non-zero when any step failed.
import { spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../lib/project.mjs";
import { CHECKOV_ENV, ensurePythonEnv, GLUE_ENV, PARLIAMENT_ENV } from "../lib/python-env.mjs";
import { ensureSystemPackage, POSTGRES_JDBC } from "../lib/system-packages.mjs";

const node = process.execPath;
const bin = (name) => join(ROOT, "node_modules", ".bin", name);

// Made first and once per lock file, so no test waits on pip (jest's moto tests use .venv too).
const setup = [
  ["python environments (.venv, .venv-checkov, .venv-parliament)", () => void [GLUE_ENV, CHECKOV_ENV, PARLIAMENT_ENV].forEach(ensurePythonEnv)],
  ["system packages (PostgreSQL JDBC driver)", () => void ensureSystemPackage(POSTGRES_JDBC)],
];
const pytest = [
  "pytest (Glue transform on local Spark, shared SQL on PostgreSQL)",
  // Two processes, each with its own Spark, a test file at a time: a Spark test mostly waits on its JVM (one
  // process kept about 1.2 of 2 cores busy), and two took pytest from 168 s to 104 s on 2 cores.
  () => [ensurePythonEnv(GLUE_ENV), ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "--dist", "loadfile", "glue-jobs/tests"]],
];
const lanes = {
  node: [
    ["type-check (tsc, once)", () => [bin("tsc"), ["--noEmit", "-p", "tsconfig.json"]]],
    ["format and lint (Biome, ruff; npm run fix repairs)", () => [node, ["scripts/tooling/lint.mjs"]]],
    // One worker: pytest keeps the other core busy, and two workers took about 30 more CPU-seconds for no gain in time.
    ["jest (constructs, config, ASL, scripts)", () => [bin("jest"), ["--ci", "--maxWorkers=1"]]],
    ["synth with no terraform and no credentials", () => [node, ["scripts/tooling/check-synth.mjs"]]],
    ["terraform init + validate of every stack", () => [node, ["--import", "tsx", "scripts/tooling/tf-validate.ts"]]],
    ["the HCL way out of CDKTF (cdktf synth --hcl, terraform validate)", () => [node, ["--import", "tsx", "scripts/tooling/synth-hcl.ts"]]],
    ["checkov over every stack (zero failed checks)", () => [node, ["scripts/tooling/checkov.mjs"]]],
    ["parliament over every IAM policy (zero findings but the accepted)", () => [node, ["scripts/tooling/parliament.mjs"]]],
  ],
  spark: [
    pytest,
    // After pytest, not in the node lane: that lane is the longer one.
    ["the README's ./data commands (sample:data, dry-run upload, npm run local twice)", () => [node, ["scripts/tooling/check-local-run.mjs"]]],
  ],
};

// The SDK's notice that it will need Node 22 from 2027 would repeat in every script a test runs.
const STEP_ENV = { ...process.env, PYTHONDONTWRITEBYTECODE: "1", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
const argv = process.argv.slice(2);
const serial = argv.includes("--serial");
const only = argv.filter((a) => a !== "--serial");
const chosen = ([name]) => !only.length || only.some((o) => name.includes(o));
const results = new Map();

/** A step either works in this process (returns nothing) or names a command, which runs with its output sent to
 * `out` (a log file) or, with none, to this terminal. Resolves to whether it passed. */
async function runStep([name, command], out) {
  const started = Date.now();
  let ok;
  try {
    const named = command();
    ok = named ? await exitsZero(named, out) : true;
  } catch (e) {
    (out ?? process.stderr).write(`${e.message}\n`);
    ok = false;
  }
  results.set(name, { ok, seconds: (Date.now() - started) / 1000 });
  return ok;
}

function exitsZero([cmd, args], out) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: STEP_ENV, stdio: out ? ["ignore", "pipe", "pipe"] : "inherit" });
    if (out) for (const stream of [child.stdout, child.stderr]) stream.pipe(out, { end: false });
    child.on("error", (e) => (out ?? process.stderr).write(`${cmd}: ${e.message}\n`));
    child.on("close", (code) => resolve(code === 0));
  });
}

/** One lane's steps in order; each one's log is printed when it ends. */
async function runLane(lane, steps, logs) {
  for (const [i, step] of steps.entries()) {
    const log = join(logs, `${lane}-${i + 1}.log`);
    const out = createWriteStream(log);
    process.stdout.write(`=== [${lane}] ${step[0]}: started (log ${log})\n`);
    const ok = await runStep(step, out);
    await new Promise((resolve) => out.end(resolve));
    process.stdout.write(`\n=== [${lane}] ${step[0]}: ${ok ? "passed" : "FAILED"}\n${readFileSync(log, "utf8")}`);
  }
}

/** Steps one after another, each one's output live on this terminal. */
async function runInOrder(steps) {
  for (const step of steps) {
    process.stdout.write(`\n=== ${step[0]}\n`);
    await runStep(step);
  }
}

await runInOrder(setup.filter(chosen));
const everyStep = [...setup, ...lanes.node, ...lanes.spark];
// Without the JDBC driver every Spark test would fail with the same traceback: say so once and leave pytest out.
const noDriver = results.get(setup[1][0])?.ok === false;
if (noDriver && chosen(pytest)) {
  results.set(pytest[0], { ok: false, seconds: 0 });
  lanes.spark = lanes.spark.filter((step) => step !== pytest);
  process.stderr.write(`\n=== pytest not run: ${POSTGRES_JDBC.debian} is missing (see the set-up step above); install it and run npm test again\n`);
}
const chosenLanes = Object.entries(lanes)
  .map(([lane, steps]) => [lane, steps.filter(chosen)])
  .filter(([, steps]) => steps.length);
if (serial || chosenLanes.length < 2) {
  await runInOrder(chosenLanes.flatMap(([, steps]) => steps));
} else {
  const logs = mkdtempSync(join(tmpdir(), "npm-test-"));
  await Promise.all(chosenLanes.map(([lane, steps]) => runLane(lane, steps, logs)));
}

console.log("\n=== summary");
const order = everyStep.map(([name]) => name).filter((name) => results.has(name));
for (const name of order) {
  const r = results.get(name);
  console.log(`${r.ok ? "PASS" : "FAIL"}  ${name}  (${r.seconds.toFixed(1)} s)`);
}
const failed = order.filter((name) => !results.get(name).ok).length;
console.log(`steps: ${order.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
