#!/usr/bin/env node
// StrykerJS over modules/ and scripts/lib/ in chunks of files that share their tests, each chunk with its own
// incremental file (.mutation-state/stryker/<chunk>.json, not in git; the scheduled mutation workflow caches it): a
// full run takes hours on a 2-core machine (each mutant reloads every related jest file), so it must survive being
// stopped. A stopped run loses only the chunk under way; a rerun reuses every finished chunk's results and tests only
// mutants of changed code or tests. Afterwards the chunks' reports are merged into
// cdktf.out/mutation/stryker-report.json (scripts/tooling/mutation/summary.mjs).
//   node scripts/tooling/mutation/stryker-chunks.mjs [chunk ...]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ROOT } from "../../lib/project.mjs";

/** Files grouped by the tests that exercise them (stryker-chunks.json). */
const CHUNKS = JSON.parse(readFileSync(join(ROOT, "scripts", "tooling", "mutation", "stryker-chunks.json"), "utf8")).chunks;
export const INCREMENTAL_DIR = join(ROOT, ".mutation-state", "stryker");
const MERGED_REPORT = join(ROOT, "cdktf.out", "mutation", "stryker-report.json");
// A mutant of the asl-validator cache may store a rejected definition as accepted: this run's mutants share a
// throw-away cache instead of node_modules/.cache, removed when the run ends.
const VERDICT_CACHE = mkdtempSync(join(tmpdir(), "stryker-asl-cache-"));

function runChunk(name, files) {
  const incrementalFile = join(INCREMENTAL_DIR, `${name}.json`);
  console.log(`\n== chunk ${name}: ${files.join(", ")}`);
  const started = Date.now();
  const r = spawnSync(
    join(ROOT, "node_modules", ".bin", "stryker"),
    ["run", "scripts/tooling/mutation/stryker.config.json", "--mutate", files.join(","), "--incrementalFile", incrementalFile],
    { cwd: ROOT, stdio: "inherit", env: { ...process.env, ASL_VALIDATOR_CACHE_DIR: VERDICT_CACHE } },
  );
  console.log(`== chunk ${name}: exit ${r.status}, ${((Date.now() - started) / 60000).toFixed(1)} min`);
  return r.status ?? 1;
}

/** One report of every finished chunk: the incremental files are mutation-testing-report-schema reports. */
function mergeReports() {
  const merged = { schemaVersion: "2", thresholds: { high: 85, low: 60 }, files: {}, testFiles: {}, chunks: [] };
  for (const name of Object.keys(CHUNKS)) {
    const file = join(INCREMENTAL_DIR, `${name}.json`);
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, "utf8"));
    Object.assign(merged.files, report.files);
    Object.assign(merged.testFiles, report.testFiles);
    merged.chunks.push(name);
  }
  return merged;
}
const wanted = process.argv.slice(2);
const unknown = wanted.filter((n) => !(n in CHUNKS));
if (unknown.length) throw new Error(`unknown chunk(s) ${unknown.join(", ")}; chunks: ${Object.keys(CHUNKS).join(", ")}`);
mkdirSync(INCREMENTAL_DIR, { recursive: true });
// Every chunk runs even after one fails: the run's point is to get as many chunks measured as the time allows.
const failed = Object.entries(CHUNKS)
  .filter(([name]) => !wanted.length || wanted.includes(name))
  .filter(([name, files]) => runChunk(name, files) !== 0)
  .map(([name]) => name);
mkdirSync(dirname(MERGED_REPORT), { recursive: true });
const merged = mergeReports();
writeFileSync(MERGED_REPORT, JSON.stringify(merged));
console.log(
  `merged ${merged.chunks.length} of ${Object.keys(CHUNKS).length} chunks into ${MERGED_REPORT}${failed.length ? `; failed: ${failed.join(", ")}` : ""}`,
);
rmSync(VERDICT_CACHE, { recursive: true, force: true });
process.exit(failed.length ? 1 : 0);
