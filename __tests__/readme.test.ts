import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadPipelineConfig } from "../modules/config/load";

const README = readFileSync(join(__dirname, "..", "README.md"), "utf8");

/** Every key of a fully defaulted environment, as dot paths (the leaves users can set). */
function keys(node: unknown, prefix = ""): string[] {
  if (node === null || typeof node !== "object" || Array.isArray(node) || Object.keys(node).length === 0) return [prefix.slice(0, -1)];
  return Object.entries(node).flatMap(([k, v]) => keys(v, `${prefix}${k}.`));
}

describe("README", () => {
  it("documents every configuration key in its Configure table", () => {
    const section = README.slice(README.indexOf("## Configure"), README.indexOf("### Stack outputs"));
    const documented = new Set([...section.matchAll(/^\| `([\w.]+)` \|/gm)].map((m) => m[1]));
    const settings = keys(loadPipelineConfig().environments.dev);
    expect(settings.length).toBeGreaterThan(30);
    expect(settings.filter((k) => !documented.has(k))).toEqual([]);
    expect([...documented].filter((k) => !settings.includes(k))).toEqual([]);
  });

  it("gives the two set-up commands and the test command", () => {
    expect(README).toContain("npm ci && npm run synth");
    expect(README).toContain("npm test");
  });
});
