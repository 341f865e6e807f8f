#!/usr/bin/env node
// `npm run bench:synth [-- --runs N]`: cold synth of every stack in a fresh Node process, N times.
// Prints the median wall time and the median and max peak resident memory of the synth process.
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { ROOT, SYNTH_ARGS, median } from "./lib/project.mjs";

const runsArg = process.argv.indexOf("--runs");
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
const walls = [];
const peaks = [];
for (let i = 0; i < runs; i++) {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...SYNTH_ARGS.slice(0, 2), "--import", "./scripts/lib/peak-rss.mjs", ...SYNTH_ARGS.slice(2)], { cwd: ROOT, encoding: "utf8" });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) {
    console.error(r.stderr);
    process.exit(1);
  }
  const kb = Number(/peak-rss-kb (\d+)/.exec(r.stderr)?.[1]);
  walls.push(wall);
  peaks.push(kb / 1024);
  console.log(`run ${i + 1}: ${wall.toFixed(2)} s, peak ${(kb / 1024).toFixed(0)} MB`);
}
console.log(`\ncold synth of all stacks, ${runs} runs on ${cpus().length} cores (${cpus()[0]?.model.trim()}), node ${process.version}`);
console.log(`median wall ${median(walls).toFixed(2)} s (min ${Math.min(...walls).toFixed(2)}, max ${Math.max(...walls).toFixed(2)}); peak RSS median ${median(peaks).toFixed(0)} MB, max ${Math.max(...peaks).toFixed(0)} MB`);
