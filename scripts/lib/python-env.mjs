// Creates (once per lock file content) the Python virtual environments the tests and local runs use.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./project.mjs";

/** The Glue job's environment: pyspark pinned to Glue 5.0's Spark, pytest, moto. GLUE_VENV points a copy of the
 * project (the mutation-testing sandbox) at the checkout's environment instead of making its own. */
export const GLUE_ENV = { dir: process.env.GLUE_VENV || join(ROOT, ".venv"), lock: join(ROOT, "glue-jobs", "requirements.lock") };

/** checkov, in its own environment: its pins differ from moto's. */
export const CHECKOV_ENV = { dir: join(ROOT, ".venv-checkov"), lock: join(ROOT, "scripts", "security", "checkov-requirements.lock") };

/** Returns the venv's python, creating or refreshing the venv when its lock file changed. */
export function ensurePythonEnv({ dir, lock }) {
  const python = join(dir, "bin", "python");
  const stamp = join(dir, ".lock-sha256");
  const want = createHash("sha256").update(readFileSync(lock)).digest("hex");
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, "utf8") === want) return python;
  const base = process.env.PYTHON || "python3";
  process.stderr.write(`python-env: creating ${dir} from ${lock} (once per lock change)\n`);
  rmSync(dir, { recursive: true, force: true });
  run(base, ["-m", "venv", dir]);
  run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", lock]);
  writeFileSync(stamp, want);
  return python;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status !== 0) throw new Error(`python-env: '${cmd} ${args.join(" ")}' failed (exit ${r.status ?? r.signal}); is ${cmd} (Python 3.11) installed?`);
}
