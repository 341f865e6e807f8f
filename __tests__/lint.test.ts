import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "lint-"));
const lint = (...paths: string[]) => spawnSync(process.execPath, [join(ROOT, "scripts", "tooling", "lint.mjs"), ...paths], { cwd: ROOT, encoding: "utf8" });

describe("npm run lint (in npm test) fails on what a team would not merge", () => {
  it("a badly formatted TypeScript file", () => {
    const file = join(dir, "bad.ts");
    writeFileSync(file, "export const x = {a:1,\n      b:'two'}\n");
    const r = lint(file);
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/Formatter would have printed the following content/);
    writeFileSync(join(dir, "good.ts"), 'export const x = { a: 1, b: "two" };\n');
    expect(lint(join(dir, "good.ts")).status).toBe(0);
  });

  it("a badly formatted or unused-import Python file", () => {
    const file = join(dir, "bad.py");
    writeFileSync(file, "import os\nx = {'a':1}\n");
    const r = lint(file);
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toContain("F401");
    expect(r.stdout + r.stderr).toContain("Would reformat");
  });
});

it("no test compares with toEqual, which takes [a, undefined] for [a] (mutants adding an item survived it)", () => {
  const tests = readdirSync(__dirname, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
  const loose = tests.filter((f) => /\.toEqual\(/.test(readFileSync(join(__dirname, f), "utf8")));
  expect(loose).toStrictEqual([]);
});
