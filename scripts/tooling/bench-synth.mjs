#!/usr/bin/env node
// `npm run bench:synth [-- --runs N]`: synth of every stack in a fresh Node process, N times, interleaved with
// the yardstick so that both see the same machine load. The yardstick is the smallest two-stack CDKTF app
// (scripts/lib/yardstick-synth-app.ts) run the plain way, `node --import tsx`; it is also timed with the
// pipeline's own launcher (source maps off), which is the stricter comparison. Reports medians and ratios, with
// the asl-validator verdict cache warm (every synth after the first on a checkout) and off
// (ASL_VALIDATOR_CACHE=off: a fresh clone's first synth).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { median, ROOT, SYNTH_ARGS } from "../lib/project.mjs";

const runsArg = process.argv.indexOf("--runs");
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
const yardstickOut = mkdtempSync(join(tmpdir(), "bench-synth-yardstick-"));
// Node's arguments before the entry file: the pipeline's launcher (synth-preload.cjs), whatever app it starts.
const [launcher, entry] = [SYNTH_ARGS.slice(0, -1), SYNTH_ARGS.at(-1)];

const yardstickApp = "scripts/lib/yardstick-synth-app.ts";
const subjects = {
  yardstick: { args: ["--import", "tsx", yardstickApp], env: { YARDSTICK_OUTDIR: yardstickOut } },
  yardstickSameLauncher: { args: [...launcher, yardstickApp], env: { YARDSTICK_OUTDIR: yardstickOut } },
  warm: { args: [...launcher, entry], env: {} },
  cold: { args: [...launcher, entry], env: { ASL_VALIDATOR_CACHE: "off" } },
};

/** One synth in a fresh process: wall seconds and peak resident MB. */
function measure({ args, env }) {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ["--require", "./scripts/lib/peak-rss.cjs", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) {
    console.error(r.stderr);
    process.exit(1);
  }
  return { wall, mb: Number(/peak-rss-kb (\d+)/.exec(r.stderr)?.[1]) / 1024 };
}

measure(subjects.warm); // fills the verdict cache and tsx's transform cache; not counted
const results = Object.fromEntries(Object.keys(subjects).map((k) => [k, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, subject] of Object.entries(subjects)) results[name].push(measure(subject));
}
rmSync(yardstickOut, { recursive: true, force: true });

const wall = (name) => median(results[name].map((r) => r.wall));
const peak = (name) => Math.max(...results[name].map((r) => r.mb));
console.log(`synth of all stacks, ${runs} runs each, interleaved, on ${cpus().length} cores (${cpus()[0]?.model.trim()}), node ${process.version}`);
console.log(`yardstick, two-stack app (one bucket each), node --import tsx: median ${wall("yardstick").toFixed(2)} s, peak ${peak("yardstick").toFixed(0)} MB`);
console.log(`yardstick with the pipeline's launcher (source maps off):    median ${wall("yardstickSameLauncher").toFixed(2)} s`);
for (const [name, label] of [
  ["warm", "verdict cache warm"],
  ["cold", "verdict cache off "],
]) {
  const ratio = (y) => (wall(name) / wall(y)).toFixed(2);
  console.log(
    `pipeline, ${label}: median ${wall(name).toFixed(2)} s, peak ${peak(name).toFixed(0)} MB, ratio ${ratio("yardstick")}x (${ratio("yardstickSameLauncher")}x against the same launcher)`,
  );
}
