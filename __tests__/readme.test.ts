import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parsePipelineConfig } from "../modules/config/load";

const README = readFileSync(join(__dirname, "..", "README.md"), "utf8");
/** The settings table lives next to the schema it documents. */
const CONFIG_README = readFileSync(join(__dirname, "..", "modules", "config", "README.md"), "utf8");

/** Every key of a fully defaulted environment, as dot paths (the leaves users can set). */
function keys(node: unknown, prefix = ""): string[] {
  if (node === null || typeof node !== "object" || Array.isArray(node) || Object.keys(node).length === 0) return [prefix.slice(0, -1)];
  return Object.entries(node).flatMap(([k, v]) => keys(v, `${prefix}${k}.`));
}

describe("README", () => {
  it("documents every configuration key in modules/config/README.md", () => {
    const section = CONFIG_README;
    const documented = new Set([...section.matchAll(/^\| `([\w.]+)` \|/gm)].map((m) => m[1]));
    // Optional keys without a default appear once set.
    const raw = { project: "pp", environments: { dev: { region: "us-east-1", account: "000000000000" } } };
    const settings = keys(parsePipelineConfig(raw, "all keys").environments.dev);
    expect(settings.length).toBeGreaterThan(30);
    expect(settings.filter((k) => !documented.has(k))).toStrictEqual([]);
    expect([...documented].filter((k) => !settings.includes(k))).toStrictEqual([]);
  });

  it("gives each key's default as the schema applies it", () => {
    const section = CONFIG_README;
    const rows = [...section.matchAll(/^\| `([\w.]+)` \| ([^|]+) \|/gm)].map((m) => [m[1], m[2].trim()] as const);
    // A default of the minimal config (only what is required set): what users get when they leave a key out.
    const dev = parsePipelineConfig({ project: "pp", environments: { dev: { region: "us-east-1" } } }, "minimal").environments.dev;
    const at = (path: string) => path.split(".").reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], dev);
    const checked = rows.filter(([, cell]) => /^`.*`$/.test(cell));
    expect(checked.length).toBeGreaterThan(25);
    const parse = (text: string) => {
      try {
        return JSON.parse(text);
      } catch {
        return text; // a bare word such as interface-endpoints or G.1X
      }
    };
    for (const [key, cell] of checked) {
      const text = cell.slice(1, -1);
      expect([key, at(key)]).toStrictEqual([key, typeof at(key) === "string" ? text.replace(/^"(.*)"$/, "$1") : parse(text)]);
    }
  });

  it("gives the two set-up commands and the test command", () => {
    expect(README).toContain("npm ci && npm run synth");
    expect(README).toContain("npm test");
  });

  it("stays a map: at most 300 lines, no internal issue numbers, every linked folder README present", () => {
    expect(README.split("\n").length).toBeLessThanOrEqual(300);
    expect(README).not.toMatch(/(^|[ (])#\d+\b/m);
    for (const [, link] of README.matchAll(/\]\(([\w/.-]+README\.md)\)/g)) expect([link, existsSync(join(__dirname, "..", link))]).toStrictEqual([link, true]);
  });
});
