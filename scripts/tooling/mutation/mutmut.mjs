#!/usr/bin/env node
// Mutation testing of the row rules and the transform (glue-jobs/flights_rules.py, flights_transform.py) with
// mutmut 3, run by `npm run test:mutation [-- py]`.
//
// mutmut runs the selected tests once in its own process (to learn which tests reach which function), then runs
// each mutant's tests in a process forked from it. The tests' Spark session (glue-jobs/tests/conftest.py) is left
// running under mutmut, so every mutant reuses the one JVM instead of starting its own; --max-children 1 keeps the
// forks from sharing its gateway at once.
//
// mutmut keeps each mutant's result with the hash of its function (mutants/<file>.meta in the work folder .mutmut/,
// outside cdktf.out, which npm test wipes). Those files are kept in .mutation-state/mutmut/ (not in git) after each
// run and put back into a work folder that lacks them (a clean clone), so a rerun tests only the mutants of functions
// that changed, plus the survivors not listed as equivalent (a new test may kill them; mutmut would not retry them).
// Equivalent mutants (no test can tell them apart) are listed with a reason in
// scripts/tooling/mutation/equivalent-mutants.json and left out of the score.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "../../lib/project.mjs";
import { ensurePythonEnv, GLUE_ENV, installLock } from "../../lib/python-env.mjs";

const GLUE_JOBS = join(ROOT, "glue-jobs");
const WORK = join(ROOT, ".mutmut");
const KEPT = join(ROOT, ".mutation-state", "mutmut");
const LOCK = join(ROOT, "scripts", "tooling", "mutation", "mutmut-requirements.lock");
const EQUIVALENT = join(ROOT, "scripts", "tooling", "mutation", "equivalent-mutants.json");
// The timeout only guards against a mutant that hangs its tests. At 4x the tests' time, mutants whose tests all
// pass timed out while StrykerJS ran beside it (counted as killed: wrong). Changing this makes mutmut retest every timeout.
const TIMEOUT_MULTIPLIER = 8;
// The shared JVM's heap grows with every mutant (about 70 MB each: plans that the forked test processes leave
// there), and at 12 GB the JVM spends its time collecting garbage, so later mutants time out: every BATCH results
// the run is stopped and started again with a fresh JVM. mutmut keeps its results and test statistics, so a
// restart costs about a minute (listing the tests, the clean run, the forced failure).
const BATCH = 50;
const STOP_GRACE_MS = 60_000;
const SURVIVED = 0; // mutmut's exit code of a mutant whose tests all passed
const MUTATED = ["flights_rules.py", "flights_transform.py"];
const ALSO_COPY = ["local_run.py", "flights_ingest.py", "flights_load.py", "flights_jdbc.py", "flights_set_aside.py", "bench_local.py"];
const TESTS = ["tests/test_row_rules.py", "tests/test_rule_functions.py", "tests/test_airports_and_vega.py"];

let python; // set by main(): importing this file for its helpers makes no environment
const env = { ...process.env, PIPELINE_REPO: ROOT, PYTHONDONTWRITEBYTECODE: "1" };

function run(args, options = {}) {
  const r = spawnSync(python, args, { cwd: WORK, env, encoding: "utf8", stdio: options.capture ? ["ignore", "pipe", "inherit"] : "inherit" });
  if (r.status !== 0) {
    process.stderr.write(`mutmut: ${args.join(" ")} exited with ${r.status}\n`);
    process.exit(r.status ?? 1);
  }
  return r.stdout ?? "";
}

function installMutmut() {
  const want = /^mutmut==(.+)$/m.exec(readFileSync(LOCK, "utf8"))[1];
  const have = spawnSync(python, ["-c", "import importlib.metadata as m; print(m.version('mutmut'))"], { encoding: "utf8" }).stdout.trim();
  if (have === want) return;
  process.stderr.write(`mutmut: installing mutmut ${want} into ${GLUE_ENV.dir} (${LOCK})\n`);
  installLock(python, LOCK);
}

/** The sources and tests, copied with their times kept (mutmut re-mutates only what changed), and its config. */
function prepareWorkFolder() {
  mkdirSync(WORK, { recursive: true });
  for (const f of [...MUTATED, ...ALSO_COPY]) cpSync(join(GLUE_JOBS, f), join(WORK, f), { preserveTimestamps: true, recursive: true });
  cpSync(join(GLUE_JOBS, "tests"), join(WORK, "tests"), { recursive: true, preserveTimestamps: true, filter: (src) => !src.includes("__pycache__") });
  forgetStatsOfChangedTests();
  const list = (items) => items.map((i) => `\n    ${i}`).join("");
  writeFileSync(
    join(WORK, "setup.cfg"),
    `[mutmut]\nsource_paths =${list(MUTATED)}\nalso_copy =${list(ALSO_COPY)}\npytest_add_cli_args_test_selection =${list(TESTS)}\npytest_add_cli_args =${list(["-p", "no:cacheprovider", "-q"])}\ntimeout_multiplier = ${TIMEOUT_MULTIPLIER}\n`,
  );
}

/** mutmut keeps which tests reach which function for as long as a test keeps its name, so a test that now reaches
 * more (a fixture made per test, say) would still run against the mutants of its old reach only: when any test file
 * changed, its statistics are gathered again (one clean run of the tests). */
function forgetStatsOfChangedTests() {
  const tests = join(WORK, "tests");
  const hash = createHash("sha256");
  for (const f of readdirSync(tests, { recursive: true })
    .filter((f) => !f.includes("__pycache__"))
    .sort()) {
    const path = join(tests, f);
    if (!statSync(path).isDirectory()) hash.update(f).update(readFileSync(path));
  }
  const digest = hash.digest("hex");
  const stamp = join(WORK, "tests.sha256");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === digest) return;
  rmSync(join(WORK, "mutants", "mutmut-stats.json"), { force: true });
  writeFileSync(stamp, digest);
}

/** A results file as the next run starts from it: mutmut's timing fields (informative only; the kept file has
 * none) and every survivor not listed as equivalent marked unchecked, so that the current tests try it again. */
export function resumed(results, equivalent) {
  const timings = { type_check_error_by_key: {}, durations_by_key: {}, estimated_durations_by_key: {} };
  const retry = ([name, code]) => [name, code === SURVIVED && !(name in equivalent) ? null : code];
  return { ...timings, ...results, exit_code_by_key: Object.fromEntries(Object.entries(results.exit_code_by_key).map(retry)) };
}

/** What is kept in the repository of a results file: verdicts and function hashes, one mutant per line. */
export function kept({ exit_code_by_key, hash_by_function_name }) {
  return `${JSON.stringify({ exit_code_by_key, hash_by_function_name }, null, 1)}\n`;
}

/** The kept results put back where mutmut looks for them (the work folder's own when it has them). */
function restoreResults(equivalent) {
  mkdirSync(join(WORK, "mutants"), { recursive: true });
  for (const f of MUTATED) {
    const meta = join(WORK, "mutants", `${f}.meta`);
    const source = existsSync(meta) ? meta : join(KEPT, `${f}.meta`);
    if (existsSync(source)) writeFileSync(meta, JSON.stringify(resumed(JSON.parse(readFileSync(source, "utf8")), equivalent)));
  }
}

function keepResults() {
  mkdirSync(KEPT, { recursive: true });
  for (const f of MUTATED) {
    const meta = join(WORK, "mutants", `${f}.meta`);
    if (existsSync(meta)) writeFileSync(join(KEPT, `${f}.meta`), kept(JSON.parse(readFileSync(meta, "utf8"))));
  }
}

/** How many mutants of these results files have a verdict. */
export function checked(metas) {
  return metas.flatMap((m) => Object.values(m.exit_code_by_key)).filter((code) => code !== null).length;
}

function checkedNow() {
  const metas = MUTATED.map((f) => join(WORK, "mutants", `${f}.meta`)).filter(existsSync);
  return checked(metas.map((meta) => JSON.parse(readFileSync(meta, "utf8"))));
}

/** Signals mutmut's whole process group: its JVM and the forked process of the mutant under way too. A forked
 * process keeps the JVM's stdin open, so a JVM whose mutmut alone was stopped never exits (12 GB each). */
function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* the group has already gone */
  }
}

let current; // the mutmut run under way, stopped with its group when this process is interrupted

/** One mutmut run, stopped once it has BATCH verdicts more than `start`; resolves to whether it was. */
function runBatch(start) {
  return new Promise((resolve) => {
    const child = spawn(python, ["-m", "mutmut", "run", "--max-children", "1"], { cwd: WORK, env, stdio: "inherit", detached: true });
    current = child;
    let stopped = false;
    const watch = setInterval(() => {
      if (stopped || checkedNow() - start < BATCH) return;
      stopped = true;
      process.stderr.write(`\nmutmut: ${BATCH} more results: restarting with a fresh JVM\n`);
      // SIGTERM: PySpark's own SIGINT handler turns Ctrl-C into an error there. Each result is saved as it comes;
      // the mutant under way is tested again after the restart.
      signalGroup(child, "SIGTERM");
      setTimeout(() => signalGroup(child, "SIGKILL"), STOP_GRACE_MS).unref();
    }, 10_000);
    child.on("exit", () => {
      clearInterval(watch);
      signalGroup(child, "SIGKILL"); // whatever outlived mutmut: its results are saved
      resolve(stopped);
    });
  });
}

/** Every mutant's status from `mutmut results --all true` ("name: status" lines). */
function results() {
  const out = run(["-m", "mutmut", "results", "--all", "true"], { capture: true });
  return [...out.matchAll(/^\s*(\S+): (.+)$/gm)].map((m) => ({ name: m[1], status: m[2].trim() }));
}

async function main() {
  python = ensurePythonEnv(GLUE_ENV);
  const equivalent = existsSync(EQUIVALENT) ? (JSON.parse(readFileSync(EQUIVALENT, "utf8")).python ?? {}) : {};
  installMutmut();
  prepareWorkFolder();
  restoreResults(equivalent);
  const started = Date.now();
  // Ctrl-C stops mutmut (its own process group: see runBatch); this process stays to keep what the run had finished.
  let interrupted = false;
  for (const signal of ["SIGINT", "SIGTERM"])
    process.on(signal, () => {
      interrupted = true;
      if (current) signalGroup(current, "SIGTERM");
    });
  for (let restart = true; restart && !interrupted; ) {
    const before = checkedNow();
    restart = (await runBatch(before)) && checkedNow() > before;
    keepResults();
  }
  const minutes = ((Date.now() - started) / 60000).toFixed(1);
  const all = results().filter((r) => !(r.name in equivalent));
  const killed = all.filter((r) => r.status === "killed" || r.status === "timeout");
  const survivors = all.filter((r) => !["killed", "timeout"].includes(r.status));
  const score = all.length ? (100 * killed.length) / all.length : 0;
  console.log(
    `\nmutmut: ${killed.length} of ${all.length} mutants killed (${score.toFixed(1)}%), ${Object.keys(equivalent).length} listed as equivalent; run took ${minutes} min`,
  );
  for (const s of survivors) console.log(`  ${s.status.padEnd(12)} ${s.name}   (python -m mutmut show ${s.name}, in ${WORK})`);
  process.exit(score >= 90 ? 0 : 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
