#!/usr/bin/env node
// `npm run bench:local [-- --runs N]`: see glue-jobs/bench_local.py.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../lib/project.mjs";
import { ensurePythonEnv, GLUE_ENV, SPARK_RUN_ENV } from "../lib/python-env.mjs";

const r = spawnSync(ensurePythonEnv(GLUE_ENV), [join(ROOT, "glue-jobs", "bench_local.py"), ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, ...SPARK_RUN_ENV },
});
process.exit(r.status ?? 1);
