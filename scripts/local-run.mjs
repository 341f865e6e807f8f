#!/usr/bin/env node
// `npm run local -- --data DIR --state DIR --out DIR [--dep-delay-threshold N]`
// The Glue job's transform on local Spark, incremental like job bookmarks (see glue-jobs/local_run.py --help).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./lib/project.mjs";
import { ensurePythonEnv, GLUE_ENV, SPARK_RUN_ENV } from "./lib/python-env.mjs";

if (spawnSync("java", ["-version"]).status !== 0) {
  console.error("local run: Spark needs Java 17 on PATH (Debian: apt-get install openjdk-17-jre-headless)");
  process.exit(1);
}
const python = ensurePythonEnv(GLUE_ENV);
const r = spawnSync(python, [join(ROOT, "glue-jobs", "local_run.py"), ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, ...SPARK_RUN_ENV },
});
process.exit(r.status ?? 1);
