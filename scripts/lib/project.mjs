// Paths and small helpers shared by the project's own scripts (tests, benches, local runs).

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Where synth writes the stacks; CDKTF_STACKS_DIR points the checks at another folder (tests do). */
export const STACKS_DIR = process.env.CDKTF_STACKS_DIR || join(ROOT, "cdktf.out", "stacks");
/** The synth command of `npm run synth` and cdktf.json: one Node process, TypeScript transpiled by tsx's require hook (see synth-preload.cjs). */
export const SYNTH_ARGS = ["--require", "./scripts/lib/synth-preload.cjs", "main.ts"];

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
