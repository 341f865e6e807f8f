#!/usr/bin/env node
// `npm run test:mutation [-- ts|py]`: mutation testing, not part of npm test (a full run takes long; see README).
//   ts: StrykerJS (jest runner, TypeScript checker) over modules/ and scripts/lib/, incremental: results are kept in
//       scripts/mutation/stryker-incremental.json, so a rerun tests only mutants of changed code or tests.
//   py: mutmut over glue-jobs/flights_rules.py and flights_transform.py (scripts/mutation/mutmut.mjs).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../lib/project.mjs";
import { ensurePythonEnv, GLUE_ENV } from "../lib/python-env.mjs";

const which = process.argv[2] ?? "all";
ensurePythonEnv(GLUE_ENV);
// The sandbox Stryker copies the project into uses this checkout's Python environment instead of making its own.
const env = { ...process.env, GLUE_VENV: GLUE_ENV.dir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
let status = 0;
if (which === "all" || which === "ts") {
  const r = spawnSync(join(ROOT, "node_modules", ".bin", "stryker"), ["run", "scripts/mutation/stryker.config.json"], { cwd: ROOT, stdio: "inherit", env });
  status ||= r.status ?? 1;
}
if (which === "all" || which === "py") {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "mutation", "mutmut.mjs")], { cwd: ROOT, stdio: "inherit", env });
  status ||= r.status ?? 1;
}
process.exit(status);
