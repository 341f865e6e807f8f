// Creates (once per lock file content) the Python virtual environments the tests and local runs use.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { ROOT } from "./project.mjs";

/** The Glue job's environment: pyspark pinned to Glue 5.0's Spark, pytest, moto. GLUE_VENV points a copy of the
 * project (the mutation-testing sandbox) at the checkout's environment instead of making its own. */
/**
 * Environment of a local Spark run: Spark's start-up warnings silenced (glue-jobs/spark-conf/log4j2.properties) and
 * the driver bound to loopback (otherwise Spark warns that the hostname resolves to it and picks another address).
 */
export const SPARK_RUN_ENV = {
  SPARK_CONF_DIR: join(ROOT, "glue-jobs", "spark-conf"),
  SPARK_LOCAL_IP: process.env.SPARK_LOCAL_IP || "127.0.0.1",
  PYTHONDONTWRITEBYTECODE: "1",
};

export const GLUE_ENV = { dir: process.env.GLUE_VENV || join(ROOT, ".venv"), lock: join(ROOT, "glue-jobs", "requirements.lock") };

/** checkov, in its own environment: its pins differ from moto's. */
/** parliament, duo-labs' offline IAM linter, in its own venv (its boto3 pin differs from moto's and checkov's). */
export const PARLIAMENT_ENV = { dir: join(ROOT, ".venv-parliament"), lock: join(ROOT, "scripts", "tooling", "security", "parliament-requirements.lock") };
export const CHECKOV_ENV = { dir: join(ROOT, ".venv-checkov"), lock: join(ROOT, "scripts", "tooling", "security", "checkov-requirements.lock") };

/** uv, pinned, installs the other environments: from its own cache of PyPI, in seconds where pip takes a minute
 * (pip stays the installer of this one environment, which holds nothing else). */
export const UV_ENV = { dir: join(ROOT, ".venv-uv"), lock: join(ROOT, "scripts", "lib", "uv-requirements.lock") };

/** A build older than this holding the lock was interrupted. */
const STALE_BUILD_MS = 20 * 60 * 1000;

/**
 * Environments are built once per lock file content per machine, in a shared cache
 * (`$PYTHON_ENV_CACHE`, default `~/.cache/airline-ingest/python-envs`), and the project's folder links to it: a
 * fresh clone with the same locks reuses them instead of spending a minute in pip. `PYTHON_ENV_CACHE=off` builds
 * in the project folder instead.
 */
export const ENV_CACHE = process.env.PYTHON_ENV_CACHE ?? join(homedir(), ".cache", "airline-ingest", "python-envs");

/** Returns the venv's python, creating or refreshing the venv when its lock file changed. */
export function ensurePythonEnv({ dir, lock }) {
  const want = createHash("sha256").update(readFileSync(lock)).digest("hex");
  if (isBuilt(dir, want)) return join(dir, "bin", "python");
  rmSync(dir, { recursive: true, force: true });
  if (ENV_CACHE === "off") {
    build(dir, lock, want);
  } else {
    const shared = join(ENV_CACHE, `${basename(dir).replace(/^\./, "")}-${want.slice(0, 16)}`);
    if (!isBuilt(shared, want)) buildShared(shared, lock, want);
    symlinkSync(shared, dir, "dir");
  }
  return join(dir, "bin", "python");
}

function isBuilt(dir, want) {
  const stamp = join(dir, ".lock-sha256");
  return existsSync(join(dir, "bin", "python")) && existsSync(stamp) && readFileSync(stamp, "utf8") === want;
}

/** One builder at a time per environment (a lock folder); the stamp is written last, so a build that was
 * interrupted is never taken for a finished one and is redone. */
function buildShared(shared, lock, want) {
  mkdirSync(dirname(shared), { recursive: true });
  const lockDir = `${shared}.building`;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      if (isBuilt(shared, want)) return;
      if (Date.now() - statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs > STALE_BUILD_MS) rmSync(lockDir, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
    }
  }
  try {
    if (!isBuilt(shared, want)) {
      rmSync(shared, { recursive: true, force: true });
      build(shared, lock, want);
    }
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function build(dir, lock, want) {
  process.stderr.write(`python-env: creating ${dir} from ${lock} (once per lock change)\n`);
  (lock === UV_ENV.lock ? buildWithPip : buildWithUv)(dir, lock);
  writeFileSync(join(dir, ".lock-sha256"), want);
}

const basePython = () => process.env.PYTHON || "python3";

function buildWithUv(dir, lock) {
  run(basePython(), ["-m", "venv", "--without-pip", dir]);
  installLock(join(dir, "bin", "python"), lock);
}

/** Installs LOCK into the environment of PYTHON with uv. Bytecode is compiled now, as pip does: the tests run
 * Python with PYTHONDONTWRITEBYTECODE, so without it every process would compile pyspark and moto again. */
export function installLock(python, lock) {
  const uv = join(dirname(ensurePythonEnv(UV_ENV)), "uv");
  run(uv, ["pip", "install", "--quiet", "--compile-bytecode", "--python", python, "-r", lock], UV_HINT);
}

/** uv's own environment. A venv's own pip costs 8 s of ensurepip; the base Python's pip installs into it just as
 * well when it can, and otherwise the venv gets one. */
function buildWithPip(dir, lock) {
  const base = basePython();
  const elsewhere = pipInstallsElsewhere(base);
  run(base, ["-m", "venv", ...(elsewhere ? ["--without-pip"] : []), dir]);
  const python = join(dir, "bin", "python");
  const [cmd, ...pip] = elsewhere ? [base, "-m", "pip", "--python", python] : [python, "-m", "pip"];
  run(cmd, [...pip, "install", "--quiet", "--disable-pip-version-check", "-r", lock]);
}

/** Whether PYTHON's pip can install into another environment (`pip --python`, pip 22.3 and later). */
export function pipInstallsElsewhere(python) {
  const r = spawnSync(python, ["-m", "pip", "--version"], { encoding: "utf8" });
  const [major, minor] = /^pip (\d+)\.(\d+)/
    .exec(r.stdout ?? "")
    ?.slice(1)
    .map(Number) ?? [0, 0];
  return r.status === 0 && (major > 22 || (major === 22 && minor >= 3));
}

const UV_HINT = "uv reads no pip.conf: behind a package mirror, set UV_DEFAULT_INDEX to it";

function run(cmd, args, hint = `is ${cmd} (Python 3.11) installed?`) {
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status !== 0) throw new Error(`python-env: '${cmd} ${args.join(" ")}' failed (exit ${r.status ?? r.signal}); ${hint}`);
}
