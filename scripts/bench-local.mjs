#!/usr/bin/env node
// `npm run bench:local [-- --runs N]`: see glue-jobs/bench_local.py.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./lib/project.mjs";
import { ensurePythonEnv, GLUE_ENV } from "./lib/python-env.mjs";

const r = spawnSync(ensurePythonEnv(GLUE_ENV), [join(ROOT, "glue-jobs", "bench_local.py"), ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
});
process.exit(r.status ?? 1);
