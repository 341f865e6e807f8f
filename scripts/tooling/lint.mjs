#!/usr/bin/env node
// `npm run lint` (part of npm test) and `npm run fix`: Biome formats and lints the TypeScript and JavaScript
// (config scripts/tooling/lint/biome-config.json), ruff the Python of glue-jobs/ (config glue-jobs/ruff.toml).
// Extra arguments name other paths to check instead (a test points it at a badly formatted file).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../lib/project.mjs";
import { ensurePythonEnv, GLUE_ENV } from "../lib/python-env.mjs";

const fix = process.argv.includes("--fix");
const paths = process.argv.slice(2).filter((a) => a !== "--fix");
const tsPaths = paths.length ? paths.filter((p) => !p.endsWith(".py")) : ["main.ts", "modules", "scripts", "__tests__"];
const pyPaths = paths.length ? paths.filter((p) => p.endsWith(".py")) : ["glue-jobs"];
const ruff = join(ensurePythonEnv(GLUE_ENV), "..", "ruff");
const ruffConfig = ["--config", join(ROOT, "glue-jobs", "ruff.toml")];

const runs = [
  tsPaths.length && [
    join(ROOT, "node_modules", ".bin", "biome"),
    ["check", "--config-path", "scripts/tooling/lint/biome-config.json", ...(fix ? ["--write"] : []), ...tsPaths],
  ],
  pyPaths.length && [ruff, ["check", ...ruffConfig, ...(fix ? ["--fix"] : []), ...pyPaths]],
  pyPaths.length && [ruff, ["format", ...ruffConfig, ...(fix ? [] : ["--check"]), ...pyPaths]],
].filter(Boolean);

let failed = false;
for (const [command, args] of runs) {
  const r = spawnSync(command, args, { cwd: ROOT, stdio: "inherit" });
  failed ||= r.status !== 0;
}
if (failed && !fix) console.error("lint: fix with npm run fix (formatting and safe fixes), then look at what remains");
process.exit(failed ? 1 : 0);
