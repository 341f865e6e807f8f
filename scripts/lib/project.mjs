// Paths and small helpers shared by the project's own scripts (tests, benches, local runs).

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Where synth writes the stacks; CDKTF_STACKS_DIR points the checks at another folder (tests do). */
export const STACKS_DIR = process.env.CDKTF_STACKS_DIR || join(ROOT, "cdktf.out", "stacks");
/** Node's arguments in `npm run synth` (cdktf.json's app is the same command): one Node process, TypeScript
 * transpiled by tsx's require hook (see synth-preload.cjs). Read from package.json, so the command is spelled once. */
export const SYNTH_ARGS = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"))
  .scripts.synth.split(" ")
  .slice(1);

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
