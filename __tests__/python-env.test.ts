import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The Python environments are built once per lock file content in a shared cache, and a fresh clone links to them
 * (real venvs, real pip, on a lock file that installs nothing so that the test stays quick).
 */
const ROOT = join(__dirname, "..");
let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "python-env-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `console.log(CALL)` with python-env.mjs's exports in scope, in a process of its own (the module is ESM). */
function withPythonEnv(call: string) {
  const script = `import * as env from ${JSON.stringify(join(ROOT, "scripts", "lib", "python-env.mjs"))}; console.log(env.${call});`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    env: { ...process.env, PYTHON_ENV_CACHE: join(work, "cache") },
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return r;
}

function ensure(clone: string, lock: string): { python: string; built: boolean } {
  mkdirSync(join(work, clone), { recursive: true });
  const r = withPythonEnv(`ensurePythonEnv({ dir: ${JSON.stringify(join(work, clone, ".venv"))}, lock: ${JSON.stringify(lock)} })`);
  return { python: r.stdout.trim(), built: r.stderr.includes("python-env: creating") };
}

const hasOwnPip = (python: string) => spawnSync(python, ["-m", "pip", "--version"], { stdio: "ignore" }).status === 0;

it("builds an environment once per lock content and links every clone to it", () => {
  const lock = join(work, "requirements.lock");
  writeFileSync(lock, "# nothing to install\n");
  const first = ensure("clone-a", lock);
  expect(first.built).toBe(true);
  // This machine's python3 has a pip that installs elsewhere, so the venv is made without a pip of its own.
  expect(hasOwnPip(first.python)).toBe(false);
  const second = ensure("clone-b", lock);
  expect(second.built).toBe(false);
  expect(realpathSync(second.python)).toBe(realpathSync(first.python));
  expect(ensure("clone-a", lock).built).toBe(false);

  writeFileSync(lock, "# another lock\n");
  const changed = ensure("clone-a", lock);
  expect(changed.built).toBe(true);
  expect(realpathSync(join(work, "clone-a", ".venv"))).not.toBe(realpathSync(join(work, "clone-b", ".venv")));
}, 60_000);

it("redoes a build that was interrupted (no stamp) instead of using it", () => {
  const shared = realpathSync(join(work, "clone-b", ".venv"));
  rmSync(join(shared, ".lock-sha256"));
  writeFileSync(join(work, "requirements.lock"), "# nothing to install\n");
  const again = ensure("clone-d", join(work, "requirements.lock"));
  expect(again.built).toBe(true);
  expect(realpathSync(join(work, "clone-d", ".venv"))).toBe(shared);
}, 60_000);

it("uses the base Python's pip only when it can install into another environment", () => {
  const pipless = ensure("clone-a", join(work, "requirements.lock")).python;
  expect(withPythonEnv(`pipInstallsElsewhere(${JSON.stringify(pipless)})`).stdout.trim()).toBe("false");
  expect(withPythonEnv(`pipInstallsElsewhere("python3")`).stdout.trim()).toBe("true");
});
