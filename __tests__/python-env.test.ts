import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The Python environments are built once per lock file content in a shared cache, and a fresh clone links to them
 * (real venvs, real uv and pip, on lock files that install little so that the test stays quick).
 */
const ROOT = join(__dirname, "..");
let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "python-env-"));
  // The checkout's uv comes from the real cache first: made from the test's cache, its link would outlive that cache.
  withPythonEnv("ensurePythonEnv(env.UV_ENV)", {});
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `console.log(CALL)` with python-env.mjs's exports in scope, in a process of its own (the module is ESM). */
function withPythonEnv(call: string, cache: Record<string, string> = { PYTHON_ENV_CACHE: join(work, "cache") }) {
  const script = `import * as env from ${JSON.stringify(join(ROOT, "scripts", "lib", "python-env.mjs"))}; console.log(env.${call});`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", env: { ...process.env, ...cache } });
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

it("installs a lock's packages with uv, their bytecode compiled (the tests run Python with PYTHONDONTWRITEBYTECODE)", () => {
  const lock = join(work, "one-package.lock");
  writeFileSync(lock, "iniconfig==2.3.1\n");
  const { python } = ensure("clone-e", lock);
  const probe =
    "import iniconfig, importlib.metadata as m, importlib.util as u, os; print(m.version('iniconfig'), os.path.exists(u.cache_from_source(iniconfig.__file__)))";
  expect(spawnSync(python, ["-c", probe], { encoding: "utf8" }).stdout.trim()).toBe("2.3.1 True");
  expect(hasOwnPip(python)).toBe(false);
}, 60_000);

it("a lock uv cannot install fails with the hint for mirrors, and its environment is not taken for built", () => {
  const lock = join(work, "missing-package.lock");
  writeFileSync(lock, "airline-ingest-no-such-package==0.0.1\n");
  const clone = join(work, "clone-f");
  mkdirSync(clone, { recursive: true });
  const call = `ensurePythonEnv({ dir: ${JSON.stringify(join(clone, ".venv"))}, lock: ${JSON.stringify(lock)} })`;
  expect(() => withPythonEnv(call)).toThrow(
    /uv pip install .*missing-package\.lock' failed \(exit 1\); uv reads no pip\.conf: behind a package mirror, set UV_DEFAULT_INDEX/,
  );
  expect(existsSync(join(clone, ".venv", ".lock-sha256"))).toBe(false);
}, 60_000);

it("uses the base Python's pip only when it can install into another environment", () => {
  const pipless = ensure("clone-a", join(work, "requirements.lock")).python;
  expect(withPythonEnv(`pipInstallsElsewhere(${JSON.stringify(pipless)})`).stdout.trim()).toBe("false");
  expect(withPythonEnv(`pipInstallsElsewhere("python3")`).stdout.trim()).toBe("true");
});
