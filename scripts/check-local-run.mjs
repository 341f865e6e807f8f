#!/usr/bin/env node
// Part of `npm test`: the real `npm run local` command, twice, on three days of vega-datasets flights.
// The first run processes every file; the second finds nothing new and processes none.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./lib/project.mjs";
import { ensurePythonEnv, GLUE_ENV } from "./lib/python-env.mjs";

const dir = mkdtempSync(join(tmpdir(), "local-run-"));
const python = ensurePythonEnv(GLUE_ENV);
const setup = spawnSync(python, [join(ROOT, "glue-jobs", "tests", "vega_flights.py"), join(dir, "data"), "--days", "3"], { encoding: "utf8" });
if (setup.status !== 0) throw new Error(setup.stderr);

function localRun() {
  const r = spawnSync(
    process.execPath,
    [join(ROOT, "scripts", "local-run.mjs"), "--data", join(dir, "data"), "--state", join(dir, "state"), "--out", join(dir, "out")],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`npm run local failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

const first = localRun();
const second = localRun();
rmSync(dir, { recursive: true, force: true });
console.log(`first run: ${JSON.stringify(first)}\nsecond run: ${JSON.stringify(second)}`);
const ok =
  first.files_processed === 3 &&
  first.rows_loaded > 0 &&
  first.rows_in === first.rows_loaded + first.rows_quarantined &&
  second.files_processed === 0 &&
  second.rows_in === 0;
if (!ok) {
  console.error("local run: expected 3 files then 0, with rows_in = loaded + quarantined");
  process.exit(1);
}
