import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
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
    expect([...listed].sort()).toEqual(mutated());
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
