import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const read = (file: string) => JSON.parse(readFileSync(join(ROOT, "scripts", "tooling", "mutation", file), "utf8"));

/** What stryker.config.json's mutate globs select: every .ts under the folders, minus the negated entries. */
function mutated(): string[] {
  const config = read("stryker.config.json");
  const excluded = config.mutate.filter((g: string) => g.startsWith("!")).map((g: string) => g.slice(1));
  const folders = config.mutate.filter((g: string) => !g.startsWith("!")).map((g: string) => g.replace("/**/*.ts", ""));
  return folders
    .flatMap((folder: string) => (readdirSync(join(ROOT, folder), { recursive: true }) as string[]).map((f) => `${folder}/${f}`))
    .filter((f: string) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !excluded.includes(f))
    .sort();
}

describe("the StrykerJS chunks (a stopped full run resumes chunk by chunk)", () => {
  const chunks: Record<string, string[]> = read("stryker-chunks.json").chunks;
  const listed = Object.values(chunks).flat();

  it("list every mutated file once", () => {
    expect([...listed].sort()).toStrictEqual(mutated());
    expect(new Set(listed).size).toBe(listed.length);
  });

  it("leave the benchmark yardstick out of the mutated files", () => {
    expect(mutated()).not.toContain("scripts/lib/yardstick-synth-app.ts");
    expect(mutated()).toContain("modules/naming.ts");
  });
});

it("recheck-survivors puts a mutant at its report location (1-based lines and columns)", () => {
  const script = join(__dirname, "..", "scripts", "tooling", "mutation", "recheck-survivors.mjs");
  const call = `import(${JSON.stringify(script)}).then((m) => process.stdout.write(m.mutate("ab\\ncd = 1;", { start: { line: 2, column: 6 }, end: { line: 2, column: 7 } }, "2")))`;
  const r = spawnSync(process.execPath, ["-e", call], { encoding: "utf8" });
  expect(r.stdout).toBe("ab\ncd = 2;");
});

/** The value of `expr` (which may use `m`, the module) with scripts/tooling/mutation/<module> imported in a child Node. */
function callModule(module: string, expr: string) {
  const script = join(ROOT, "scripts", "tooling", "mutation", module);
  const r = spawnSync(process.execPath, ["-e", `import(${JSON.stringify(script)}).then((m) => process.stdout.write(JSON.stringify(${expr})))`], {
    encoding: "utf8",
  });
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout);
}

describe("mutmut's kept results (.mutation-state/mutmut/)", () => {
  const call = (expr: string) => callModule("mutmut.mjs", expr);
  const results = {
    exit_code_by_key: { "f.x_a__mutmut_1": 0, "f.x_a__mutmut_2": 0, "f.x_a__mutmut_3": 1, "f.x_a__mutmut_4": 36, "f.x_a__mutmut_5": null },
    hash_by_function_name: { x_a: "abc" },
    durations_by_key: { "f.x_a__mutmut_1": 0.5 },
  };

  it("resume with survivors unchecked, except those listed as equivalent; other verdicts and hashes kept", () => {
    const r = call(`m.resumed(${JSON.stringify(results)}, { "f.x_a__mutmut_2": "reason" })`);
    expect(r.exit_code_by_key).toStrictEqual({
      "f.x_a__mutmut_1": null,
      "f.x_a__mutmut_2": 0,
      "f.x_a__mutmut_3": 1,
      "f.x_a__mutmut_4": 36,
      "f.x_a__mutmut_5": null,
    });
    expect(r.hash_by_function_name).toStrictEqual({ x_a: "abc" });
    expect(r.durations_by_key).toStrictEqual({ "f.x_a__mutmut_1": 0.5 });
  });

  it("resume a kept file with the timing fields mutmut requires", () => {
    const r = call(`m.resumed({ exit_code_by_key: {}, hash_by_function_name: {} }, {})`);
    expect(r).toStrictEqual({
      type_check_error_by_key: {},
      durations_by_key: {},
      estimated_durations_by_key: {},
      exit_code_by_key: {},
      hash_by_function_name: {},
    });
  });

  it("count the mutants with a verdict across results files (what the restart every batch watches)", () => {
    expect(call(`m.checked([${JSON.stringify(results)}, { exit_code_by_key: { "g.x_b__mutmut_1": null, "g.x_b__mutmut_2": -24 } }])`)).toBe(5);
  });

  it("keep verdicts and hashes only, one entry per line", () => {
    const text: string = call(`m.kept(${JSON.stringify(results)})`);
    expect(JSON.parse(text)).toStrictEqual({ exit_code_by_key: results.exit_code_by_key, hash_by_function_name: results.hash_by_function_name });
    expect(text.split("\n")).toContain('  "f.x_a__mutmut_3": 1,');
    expect(text.endsWith("}\n")).toBe(true);
  });
});

describe("the mutation state is kept out of git", () => {
  it("commits only the configuration and the reasoned equivalent mutants (at most 1 MB), and ignores the state", () => {
    const tracked = spawnSync("git", ["ls-files", "scripts/tooling/mutation"], { cwd: ROOT, encoding: "utf8" }).stdout.trim().split("\n");
    const bytes = tracked.reduce((n, f) => n + statSync(join(ROOT, f)).size, 0);
    expect(bytes).toBeLessThan(1024 * 1024);
    expect(tracked.filter((f) => f.endsWith(".json") && !/(stryker-chunks|stryker\.config|equivalent-mutants)\.json$/.test(f))).toStrictEqual([]);
    const ignored = spawnSync("git", ["check-ignore", ".mutation-state/stryker/config.json", ".mutation-state/mutmut/x.meta"], { cwd: ROOT, encoding: "utf8" });
    expect(ignored.stdout.trim().split("\n")).toHaveLength(2);
  });
});
