#!/usr/bin/env node
// StrykerJS over modules/ and scripts/lib/ in chunks of files that share their tests, each chunk with its own
// incremental file (scripts/mutation/stryker-incremental/<chunk>.json): a full run takes hours on a 2-core machine
// (each mutant reloads every related jest file), so it must survive being stopped. A stopped run loses only the
// chunk under way; a rerun reuses every finished chunk's results and tests only mutants of changed code or tests.
// The committed files are compact (stryker-state.mjs): StrykerJS runs on an expanded copy under cdktf.out/mutation/.
// Afterwards the chunks' reports are merged into cdktf.out/mutation/stryker-report.json (scripts/mutation/summary.mjs).
//   node scripts/mutation/stryker-chunks.mjs [chunk ...]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ROOT } from "../lib/project.mjs";
import { compact, expand, gitBlobStore, serialize } from "./stryker-state.mjs";

/** Files grouped by the tests that exercise them (stryker-chunks.json). */
const CHUNKS = JSON.parse(readFileSync(join(ROOT, "scripts", "mutation", "stryker-chunks.json"), "utf8")).chunks;
const INCREMENTAL_DIR = join(ROOT, "scripts", "mutation", "stryker-incremental");
const EXPANDED_DIR = join(ROOT, "cdktf.out", "mutation", "stryker-incremental");
const MERGED_REPORT = join(ROOT, "cdktf.out", "mutation", "stryker-report.json");
const BLOBS = gitBlobStore(ROOT);
// A mutant of the asl-validator cache may store a rejected definition as accepted: this run's mutants share a
// throw-away cache instead of node_modules/.cache, removed when the run ends.
const VERDICT_CACHE = mkdtempSync(join(tmpdir(), "stryker-asl-cache-"));

/** The chunk's committed report, expanded for StrykerJS at `expandedFile` (none yet: StrykerJS starts afresh). */
function expandChunk(committedFile, expandedFile) {
  rmSync(expandedFile, { force: true });
  if (!existsSync(committedFile)) return;
  const { report, missing } = expand(JSON.parse(readFileSync(committedFile, "utf8")), BLOBS);
  for (const m of missing) console.log(`== not in git, its tests count as new: ${m}`);
  writeFileSync(expandedFile, serialize(report));
}

function runChunk(name, files) {
  const committedFile = join(INCREMENTAL_DIR, `${name}.json`);
  const expandedFile = join(EXPANDED_DIR, `${name}.json`);
  console.log(`\n== chunk ${name}: ${files.join(", ")}`);
  expandChunk(committedFile, expandedFile);
  const started = Date.now();
  const r = spawnSync(
    join(ROOT, "node_modules", ".bin", "stryker"),
    ["run", "scripts/mutation/stryker.config.json", "--mutate", files.join(","), "--incrementalFile", expandedFile],
    { cwd: ROOT, stdio: "inherit", env: { ...process.env, ASL_VALIDATOR_CACHE_DIR: VERDICT_CACHE } },
  );
  console.log(`== chunk ${name}: exit ${r.status}, ${((Date.now() - started) / 60000).toFixed(1)} min`);
  // A stopped run leaves the expanded copy as it was; compacting it again gives back the committed file.
  if (existsSync(expandedFile)) writeFileSync(committedFile, serialize(compact(JSON.parse(readFileSync(expandedFile, "utf8")), BLOBS)));
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
    // The tests' blob ids are for the next run's expansion only; the merged report lists the tests.
    for (const [path, { sourceBlob, ...tests }] of Object.entries(report.testFiles ?? {})) merged.testFiles[path] = tests;
    merged.chunks.push(name);
  }
  return merged;
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((n) => !(n in CHUNKS));
if (unknown.length) throw new Error(`unknown chunk(s) ${unknown.join(", ")}; chunks: ${Object.keys(CHUNKS).join(", ")}`);
mkdirSync(INCREMENTAL_DIR, { recursive: true });
mkdirSync(EXPANDED_DIR, { recursive: true });
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
