#!/usr/bin/env node
// Scores of the StrykerJS results per folder and per file, and the surviving mutants (file:line mutator "replacement").
// Mutants listed under `typescript` in equivalent-mutants.json (as file:line:mutator) count as neither.
//   node scripts/tooling/mutation/summary.mjs [cdktf.out/mutation/stryker-report.json]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../lib/project.mjs";

const report = JSON.parse(readFileSync(process.argv[2] ?? join(ROOT, "cdktf.out", "mutation", "stryker-report.json"), "utf8"));
const equivalent = JSON.parse(readFileSync(join(ROOT, "scripts", "tooling", "mutation", "equivalent-mutants.json"), "utf8")).typescript;
const DETECTED = new Set(["Killed", "Timeout"]);
const UNDETECTED = new Set(["Survived", "NoCoverage"]);
const tally = {};
const survivors = [];
const count = (key, field) => {
  tally[key] ??= { detected: 0, undetected: 0, equivalent: 0, ignored: 0 };
  tally[key][field]++;
};
for (const [file, { mutants }] of Object.entries(report.files)) {
  const folder = file.startsWith("scripts/lib/") ? "scripts/lib/" : "modules/";
  for (const m of mutants) {
    const id = `${file}:${m.location.start.line}:${m.mutatorName}`;
    const field = DETECTED.has(m.status) ? "detected" : !UNDETECTED.has(m.status) ? "ignored" : id in equivalent ? "equivalent" : "undetected";
    for (const key of [folder, `  ${file}`]) count(key, field);
    if (field === "undetected") survivors.push(`${file}:${m.location.start.line} ${m.status} ${m.mutatorName} ${JSON.stringify(m.replacement ?? "")}`);
  }
}
for (const [key, f] of Object.entries(tally).sort(([a], [b]) => a.trim().localeCompare(b.trim()) || a.length - b.length)) {
  const score = (100 * f.detected) / (f.detected + f.undetected || 1);
  console.log(
    `${key}: ${score.toFixed(1)}% (${f.detected} detected, ${f.undetected} undetected, ${f.equivalent} equivalent; ${f.ignored} compile errors or static)`,
  );
}
console.log(`\nchunks: ${(report.chunks ?? ["(one run)"]).join(", ")}`);
console.log(`\n${survivors.length} undetected:\n${survivors.join("\n")}`);
