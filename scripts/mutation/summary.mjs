#!/usr/bin/env node
// Scores of the last StrykerJS run per folder, and its surviving mutants (file:line mutator "replacement").
//   node scripts/mutation/summary.mjs [cdktf.out/mutation/stryker-report.json]
import { readFileSync } from "node:fs";

const report = JSON.parse(readFileSync(process.argv[2] ?? "cdktf.out/mutation/stryker-report.json", "utf8"));
const DETECTED = new Set(["Killed", "Timeout"]);
const UNDETECTED = new Set(["Survived", "NoCoverage"]);
const byFolder = {};
const survivors = [];
for (const [file, { mutants }] of Object.entries(report.files)) {
  const folder = file.startsWith("scripts/lib/") ? "scripts/lib/" : "modules/";
  byFolder[folder] ??= { detected: 0, undetected: 0, ignored: 0 };
  const f = byFolder[folder];
  for (const m of mutants) {
    if (DETECTED.has(m.status)) f.detected++;
    else if (UNDETECTED.has(m.status)) {
      f.undetected++;
      survivors.push(`${file}:${m.location.start.line} ${m.status} ${m.mutatorName} ${JSON.stringify(m.replacement ?? "")}`);
    } else f.ignored++;
  }
}
for (const [folder, f] of Object.entries(byFolder)) {
  const score = (100 * f.detected) / (f.detected + f.undetected);
  console.log(`${folder}: ${score.toFixed(1)}% (${f.detected} detected, ${f.undetected} undetected; ${f.ignored} ignored, compile errors or static)`);
}
console.log(`\n${survivors.length} undetected:\n${survivors.join("\n")}`);
