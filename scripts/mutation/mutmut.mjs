#!/usr/bin/env node
// Mutation testing of the row rules and the transform (glue-jobs/flights_rules.py, flights_transform.py) with
// mutmut 3, run by `npm run test:mutation [-- py]`.
//
// mutmut runs the selected tests once in its own process (to learn which tests reach which function), then runs
// each mutant's tests in a process forked from it. The tests' Spark session (glue-jobs/tests/conftest.py) is left
// running under mutmut, so every mutant reuses the one JVM instead of starting its own; --max-children 1 keeps the
// forks from sharing its gateway at once.
//
// The work folder cdktf.out/mutation/py is kept between runs: mutmut keeps each mutant's result there and a rerun
// tests only the mutants of functions that changed. Equivalent mutants (no test can tell them apart) are listed
// with a reason in scripts/mutation/equivalent-mutants.json and left out of the score.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../lib/project.mjs";
import { ensurePythonEnv, GLUE_ENV } from "../lib/python-env.mjs";

const GLUE_JOBS = join(ROOT, "glue-jobs");
const WORK = join(ROOT, "cdktf.out", "mutation", "py");
const LOCK = join(ROOT, "scripts", "mutation", "mutmut-requirements.lock");
const EQUIVALENT = join(ROOT, "scripts", "mutation", "equivalent-mutants.json");
const MUTATED = ["flights_rules.py", "flights_transform.py"];
const ALSO_COPY = ["local_run.py", "flights_ingest.py", "flights_load.py", "flights_jdbc.py", "bench_local.py"];
const TESTS = ["tests/test_row_rules.py", "tests/test_rule_functions.py", "tests/test_airports_and_vega.py"];

const python = ensurePythonEnv(GLUE_ENV);
const env = { ...process.env, PIPELINE_REPO: ROOT, PYTHONDONTWRITEBYTECODE: "1" };

function run(args, options = {}) {
  const r = spawnSync(python, args, { cwd: WORK, env, encoding: "utf8", stdio: options.capture ? ["ignore", "pipe", "inherit"] : "inherit" });
  if (r.status !== 0 && !options.allowFailure) {
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
  const r = spawnSync(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", LOCK], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** The sources and tests, copied with their times kept (mutmut re-mutates only what changed), and its config. */
function prepareWorkFolder() {
  mkdirSync(WORK, { recursive: true });
  for (const f of [...MUTATED, ...ALSO_COPY]) cpSync(join(GLUE_JOBS, f), join(WORK, f), { preserveTimestamps: true });
  cpSync(join(GLUE_JOBS, "tests"), join(WORK, "tests"), { recursive: true, preserveTimestamps: true, filter: (src) => !src.includes("__pycache__") });
  const list = (items) => items.map((i) => `\n    ${i}`).join("");
  writeFileSync(
    join(WORK, "setup.cfg"),
    `[mutmut]\nsource_paths =${list(MUTATED)}\nalso_copy =${list(ALSO_COPY)}\npytest_add_cli_args_test_selection =${list(TESTS)}\npytest_add_cli_args =${list(["-p", "no:cacheprovider", "-q"])}\n`,
  );
}

/** Every mutant's status from `mutmut results --all true` ("name: status" lines). */
function results() {
  const out = run(["-m", "mutmut", "results", "--all", "true"], { capture: true });
  return [...out.matchAll(/^\s*(\S+): (.+)$/gm)].map((m) => ({ name: m[1], status: m[2].trim() }));
}

installMutmut();
prepareWorkFolder();
const started = Date.now();
run(["-m", "mutmut", "run", "--max-children", "1"], { allowFailure: true });
const minutes = ((Date.now() - started) / 60000).toFixed(1);
const equivalent = existsSync(EQUIVALENT) ? (JSON.parse(readFileSync(EQUIVALENT, "utf8")).python ?? {}) : {};
const all = results().filter((r) => !(r.name in equivalent));
const killed = all.filter((r) => r.status === "killed" || r.status === "timeout");
const survivors = all.filter((r) => !["killed", "timeout"].includes(r.status));
const score = all.length ? (100 * killed.length) / all.length : 0;
console.log(
  `\nmutmut: ${killed.length} of ${all.length} mutants killed (${score.toFixed(1)}%), ${Object.keys(equivalent).length} listed as equivalent; run took ${minutes} min`,
);
for (const s of survivors) console.log(`  ${s.status.padEnd(12)} ${s.name}   (python -m mutmut show ${s.name}, in ${WORK})`);
process.exit(score >= 90 ? 0 : 1);
