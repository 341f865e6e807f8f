#!/usr/bin/env node
// `npm run test:mutation [-- ts|py]`: mutation testing, not part of npm test (a full run takes long; see README).
//   ts: StrykerJS (jest runner, TypeScript checker) over modules/ and scripts/lib/, chunk by chunk
//       (scripts/tooling/mutation/stryker-chunks.mjs), incremental: results are kept per chunk in
//       .mutation-state/stryker/ (not in git), so a rerun tests only mutants of changed code or tests. Chunk names
//       after `ts` run only those chunks.
//   py: mutmut over glue-jobs/flights_rules.py and flights_transform.py (scripts/tooling/mutation/mutmut.mjs).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../../lib/project.mjs";
import { ensurePythonEnv, GLUE_ENV } from "../../lib/python-env.mjs";

const [which = "all", ...chunks] = process.argv.slice(2);
ensurePythonEnv(GLUE_ENV);
// The sandbox Stryker copies the project into uses this checkout's Python environment instead of making its own.
const env = { ...process.env, GLUE_VENV: GLUE_ENV.dir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
let status = 0;
if (which === "all" || which === "ts") {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "tooling", "mutation", "stryker-chunks.mjs"), ...chunks], { cwd: ROOT, stdio: "inherit", env });
  status ||= r.status ?? 1;
}
if (which === "all" || which === "py") {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "tooling", "mutation", "mutmut.mjs")], { cwd: ROOT, stdio: "inherit", env });
  status ||= r.status ?? 1;
}
process.exit(status);
