#!/usr/bin/env node
// Rechecks the survivors of a finished StrykerJS chunk against the current tests, without a StrykerJS rerun:
// each surviving (or uncovered) mutant is put into its file, the given jest files run (bail on the first failure),
// and the file is restored. A rerun of a chunk retests every mutant whose tests changed (most of them, since every
// construct test synthesizes the whole stack), which takes the better part of an hour here; this takes minutes and
// answers the question after writing tests for survivors: is each one killed now?
//   node scripts/tooling/mutation/recheck-survivors.mjs <chunk> <jest test file> ...
// Only mutants of files unchanged since the run are rechecked (a changed file needs StrykerJS again). The score is
// StrykerJS's only after a real rerun; this script's verdicts are reported as such.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "../../lib/project.mjs";

/** The source with one mutant in place (report locations: 1-based lines and columns). */
export function mutate(source, { start, end }, replacement) {
  const lines = source.split("\n");
  const offset = (p) => lines.slice(0, p.line - 1).reduce((n, l) => n + l.length + 1, 0) + p.column - 1;
  return source.slice(0, offset(start)) + replacement + source.slice(offset(end));
}

function killedBy(tests) {
  const r = spawnSync(join(ROOT, "node_modules", ".bin", "jest"), ["--bail", "--silent", ...tests], { cwd: ROOT, encoding: "utf8" });
  return r.status !== 0;
}

/** The survivors of one file the tests still let through; a file changed since the run is not rechecked. */
function recheckFile(file, { source, mutants }, testFiles) {
  const survivors = mutants.filter((m) => m.status === "Survived" || m.status === "NoCoverage");
  const path = join(ROOT, file);
  if (!survivors.length) return { rechecked: 0, left: [] };
  if (readFileSync(path, "utf8") !== source) {
    console.log(`${file}: changed since the StrykerJS run; ${survivors.length} survivor(s) not rechecked (rerun the chunk)`);
    return { rechecked: 0, left: survivors.map((m) => `${file}:${m.location.start.line}:${m.mutatorName} (file changed)`) };
  }
  const left = [];
  try {
    for (const m of survivors) {
      writeFileSync(path, mutate(source, m.location, m.replacement));
      if (!killedBy(testFiles)) left.push(`${file}:${m.location.start.line}:${m.mutatorName} -> ${m.replacement.replace(/\s+/g, " ").slice(0, 60)}`);
    }
  } finally {
    writeFileSync(path, source);
  }
  return { rechecked: survivors.length, left };
}

/** Mutants go into the working tree: another recheck (or an edit) under way would mix its mutant into our runs. */
function refuseDirtySources() {
  const dirty = spawnSync("git", ["status", "--porcelain", "--", "modules", "scripts/lib"], { cwd: ROOT, encoding: "utf8" }).stdout.trim();
  if (dirty) throw new Error(`recheck-survivors: sources changed in the working tree (another recheck running?):\n${dirty}`);
}

function main() {
  const [chunk, ...testFiles] = process.argv.slice(2);
  if (!chunk || !testFiles.length) throw new Error("usage: recheck-survivors.mjs <chunk> <jest test file> ...");
  refuseDirtySources();
  const report = JSON.parse(readFileSync(join(ROOT, ".mutation-state", "stryker", `${chunk}.json`), "utf8"));
  const results = Object.entries(report.files).map(([file, entry]) => ({ file, ...recheckFile(file, entry, testFiles) }));
  const rechecked = results.reduce((n, r) => n + r.rechecked, 0);
  const left = results.flatMap((r) => r.left);
  const stillAlive = left.filter((l) => !l.endsWith("(file changed)")).length;
  console.log(`${chunk}: ${rechecked - stillAlive} of ${rechecked} survivors now killed; left:`);
  for (const l of left) console.log(`  ${l}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
