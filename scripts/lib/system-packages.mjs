// System packages the tests need beyond Node and Python: installed with apt-get when missing and allowed
// (root, or sudo without a password), otherwise a clear error saying what to install.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** PostgreSQL's JDBC driver: the Redshift connector stand-in and the job's own JDBC path run over it. */
export const POSTGRES_JDBC = { file: process.env.POSTGRES_JDBC_JAR || "/usr/share/java/postgresql.jar", debian: "libpostgresql-jdbc-java" };

export function ensureSystemPackage({ file, debian }) {
  if (existsSync(file)) return;
  const root = process.getuid?.() === 0;
  const sudo = root ? [] : ["sudo", "-n"];
  const apt = (args) =>
    spawnSync(sudo[0] ?? "apt-get", [...sudo.slice(1), ...(sudo.length ? ["apt-get"] : []), ...args], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  process.stderr.write(`system-packages: ${file} is missing; installing ${debian} with apt-get\n`);
  // Another apt or dpkg (an unattended upgrade, a second CI job) may hold the lock: wait for it up to 5 minutes.
  const wait = ["-o", "DPkg::Lock::Timeout=300"];
  if (apt([...wait, "update", "-qq"]).status !== 0 || apt([...wait, "install", "-y", "-qq", debian]).status !== 0 || !existsSync(file)) {
    throw new Error(
      `${file} is missing and ${debian} could not be installed: install it (Debian/Ubuntu: apt-get install ${debian}) or point POSTGRES_JDBC_JAR at the PostgreSQL JDBC jar`,
    );
  }
}
