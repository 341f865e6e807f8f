import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const read = (file: string) => JSON.parse(readFileSync(join(ROOT, "scripts", "mutation", file), "utf8"));

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
  const script = join(__dirname, "..", "scripts", "mutation", "recheck-survivors.mjs");
  const call = `import(${JSON.stringify(script)}).then((m) => process.stdout.write(m.mutate("ab\\ncd = 1;", { start: { line: 2, column: 6 }, end: { line: 2, column: 7 } }, "2")))`;
  const r = spawnSync(process.execPath, ["-e", call], { encoding: "utf8" });
  expect(r.stdout).toBe("ab\ncd = 2;");
});

/** The value of `expr` (which may use `m`, the module) with scripts/mutation/<module> imported in a child Node. */
function callModule(module: string, expr: string) {
  const script = join(ROOT, "scripts", "mutation", module);
  const r = spawnSync(process.execPath, ["-e", `import(${JSON.stringify(script)}).then((m) => process.stdout.write(JSON.stringify(${expr})))`], {
    encoding: "utf8",
  });
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout);
}

describe("mutmut's kept results (scripts/mutation/mutmut-incremental/)", () => {
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

describe("StrykerJS's committed reports (scripts/mutation/stryker-state.mjs)", () => {
  /** Runs `body` (which may use `m`, the module, and `store`, a blob store of a fresh git repository). */
  const call = (body: string) => {
    const repo = mkdtempSync(join(tmpdir(), "stryker-state-"));
    try {
      expect(spawnSync("git", ["init", "-q", repo]).status).toBe(0);
      return callModule("stryker-state.mjs", `((store) => { ${body} })(m.gitBlobStore(${JSON.stringify(repo)}))`);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  };
  const aTest = { id: "0", name: "a test", location: { start: { line: 2, column: 1 } } };
  const report = {
    schemaVersion: "2",
    files: {
      "modules/a.ts": {
        language: "typescript",
        source: "export const a = 1;\n",
        mutants: [
          { id: "1", status: "Killed", statusReason: "expected arn:aws:iam::111122223333:role/x, not 1234567890123", killedBy: ["0"] },
          { id: "2", status: "Survived" },
        ],
      },
    },
    testFiles: { "__tests__/a.test.ts": { tests: [aTest], source: 'it("a test", () => expect(a).toBe(1));\n' } },
  };

  it("keep each test text as its git blob id and give it back unchanged", () => {
    const r = call(`const c = m.compact(${JSON.stringify(report)}, store); return { c, back: m.expand(c, store) };`);
    const blob = r.c.testFiles["__tests__/a.test.ts"];
    expect(blob).toStrictEqual({ tests: [aTest], sourceBlob: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(r.back).toStrictEqual({
      report: { ...report, files: { "modules/a.ts": { ...report.files["modules/a.ts"], mutants: r.c.files["modules/a.ts"].mutants } } },
      missing: [],
    });
  });

  it("blank 12-digit runs in failure messages only, and leave other numbers and fields alone", () => {
    const r = call(`return m.compact(${JSON.stringify(report)}, store).files;`);
    expect(r["modules/a.ts"].source).toBe("export const a = 1;\n");
    expect(r["modules/a.ts"].mutants).toStrictEqual([
      { id: "1", status: "Killed", statusReason: "expected arn:aws:iam::<12 digits>:role/x, not 1234567890123", killedBy: ["0"] },
      { id: "2", status: "Survived" },
    ]);
  });

  it("leave out a test file whose blob git lacks, so StrykerJS counts its tests as new", () => {
    const blob = "0123456789abcdef0123456789abcdef01234567";
    const kept = { "__tests__/b.test.ts": { tests: [aTest] } };
    const r = call(
      `return m.expand({ files: {}, testFiles: { "__tests__/a.test.ts": { tests: [], sourceBlob: "${blob}" }, ...${JSON.stringify(kept)} } }, store);`,
    );
    expect(r).toStrictEqual({ report: { files: {}, testFiles: kept }, missing: [`__tests__/a.test.ts (blob ${blob})`] });
  });

  it("refuse a blob id that is not one", () => {
    expect(call(`try { store.read("HEAD:README.md"); return "read"; } catch (e) { return e.message; }`)).toBe(
      'stryker-state: "HEAD:README.md" is not a git blob id',
    );
  });

  it("are committed compact: no test text, no 12-digit run", () => {
    const dir = join(ROOT, "scripts", "mutation", "stryker-incremental");
    const files = readdirSync(dir);
    expect(files.length).toBe(Object.keys(read("stryker-chunks.json").chunks).length);
    for (const file of files) {
      const text = readFileSync(join(dir, file), "utf8");
      const testFiles = Object.values(JSON.parse(text).testFiles) as { source?: string; sourceBlob?: string }[];
      expect({ file, sources: testFiles.filter((t) => t.source !== undefined).length }).toStrictEqual({ file, sources: 0 });
      expect({ file, blobs: testFiles.filter((t) => t.sourceBlob).length }).toStrictEqual({ file, blobs: testFiles.length });
      expect({ file, digits: text.match(/(?<!\d)\d{12}(?!\d)/g) }).toStrictEqual({ file, digits: null });
    }
  });
});
