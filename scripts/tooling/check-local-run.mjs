#!/usr/bin/env node
// Part of `npm test`: the README's own commands that use ./data, as written there, with ./data and ./.local-run
// pointed at a temporary folder (a user's own ./data is never touched): npm run sample:data, the dry-run upload
// check, and npm run local twice (the first run processes every file, the second finds nothing new).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../lib/project.mjs";

const dir = mkdtempSync(join(tmpdir(), "readme-data-"));
const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const bash = [...readme.matchAll(/```bash\n([\s\S]*?)```/g)].flatMap((m) => m[1].split("\n")).map((l) => l.replace(/\s+#.*$/, "").trim());
const find = (start) => {
  const line = bash.find((l) => l.startsWith(start));
  if (!line) throw new Error(`README: no command starting with "${start}"`);
  return line;
};
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ["npm"];
function run(line, extra = []) {
  const args = line.replace(/^npm /, "").replaceAll("./.local-run", join(dir, ".local-run")).replaceAll("./data", join(dir, "data")).split(/\s+/);
  console.log(`$ ${line}`);
  const r = spawnSync(npm[0], [...npm.slice(1), ...args, ...extra], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: "true" },
  });
  if (r.status !== 0) throw new Error(`${line} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  // A README command prints what it did, not Spark's start-up warnings (glue-jobs/spark-conf).
  const noise = r.stderr.split("\n").filter((l) => / WARN |Setting default log level/.test(l));
  if (noise.length) throw new Error(`${line} printed Spark's warnings:\n${noise.join("\n")}`);
  return r.stdout;
}
const summary = (stdout) => JSON.parse(stdout.trim().split("\n").pop());

try {
  run(find("npm run sample:data"), ["--", "--out", join(dir, "data")]);
  const dry = run(find("npm run seed:upload -- --data ./data --stack dev --dry-run"));
  if (!/would upload 6 file\(s\) \(\d+ bytes\) to .*; 0 unchanged skipped; 0 refused/.test(dry))
    throw new Error(`dry-run upload: expected 6 files, got:\n${dry}`);
  const local = find("npm run local -- --data ./data");
  const first = summary(run(local));
  const second = summary(run(local));
  console.log(`first run: ${JSON.stringify(first)}\nsecond run: ${JSON.stringify(second)}`);
  const ok =
    first.files_processed === 5 &&
    first.rows_loaded > 0 &&
    first.rows_in === first.rows_loaded + first.rows_quarantined &&
    second.files_processed === 0 &&
    second.rows_in === 0;
  if (!ok) throw new Error("local run: expected 5 files then 0, with rows_in = loaded + quarantined");
  console.log("README commands on ./data: ok");
} catch (e) {
  console.error(e.message);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
