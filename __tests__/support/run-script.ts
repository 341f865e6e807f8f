import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");

/** Runs one of the zx scripts as an operator would (`npm run <alias>` = node --import tsx scripts/<name>.ts). */
export function runScript(name: string, args: string[], env: Record<string, string> = {}) {
  // No credentials, profile or metadata service of the machine leak into a test.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_")));
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts", `${name}.ts`), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    // The SDK's notice that it will need Node 22 from 2027 would stand before every script's own first line.
    env: {
      ...clean,
      HOME: mkdtempSync(join(tmpdir(), "home-")),
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      NO_COLOR: "1",
      ...env,
    },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, output: r.stdout + r.stderr };
}
