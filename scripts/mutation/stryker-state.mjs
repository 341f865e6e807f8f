// StrykerJS's incremental reports as committed under scripts/mutation/stryker-incremental/ ("compact"), and as
// StrykerJS reads and writes them ("expanded"). StrykerJS keeps the full text of every test file it ran, to diff
// each test against the current file; committed, those copies repeat the tests (and their placeholder account
// ids) in generated files. The compact form names each test file's text by its git blob id instead, which git
// already holds, and blanks 12-digit runs (account ids in ARNs) in the recorded failure messages, which StrykerJS
// only displays. stryker-chunks.mjs expands a chunk's report before StrykerJS runs and compacts it afterwards.
import { spawnSync } from "node:child_process";

/** What a 12-digit run in a failure message becomes: the digits of an account id say nothing about the mutant. */
const REDACTED_DIGITS = "<12 digits>";
const TWELVE_DIGITS = /(?<!\d)\d{12}(?!\d)/g;
const BLOB_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Test file texts by blob id in the git repository at `root`; written blobs stay in its object store. */
export function gitBlobStore(root) {
  const git = (args, input) => spawnSync("git", args, { cwd: root, input, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return {
    write(text) {
      const r = git(["hash-object", "-w", "--stdin"], text);
      if (r.status !== 0) throw new Error(`git hash-object in ${root} failed: ${r.stderr.trim()}`);
      return r.stdout.trim();
    },
    /** undefined when the repository lacks the blob (a shallow clone, or a test text never committed). */
    read(id) {
      if (!BLOB_ID.test(id)) throw new Error(`stryker-state: "${id}" is not a git blob id`);
      const r = git(["cat-file", "blob", id]);
      return r.status === 0 ? r.stdout : undefined;
    },
  };
}

const redact = (text) => text.replace(TWELVE_DIGITS, REDACTED_DIGITS);

/** The committed form: test texts as blob ids, failure messages without 12-digit runs. */
export function compact(report, store) {
  const testFiles = Object.fromEntries(
    Object.entries(report.testFiles ?? {}).map(([path, { source, ...rest }]) => [
      path,
      source === undefined ? rest : { ...rest, sourceBlob: store.write(source) },
    ]),
  );
  const withoutDigits = (m) => (m.statusReason === undefined ? m : { ...m, statusReason: redact(m.statusReason) });
  const files = Object.fromEntries(Object.entries(report.files ?? {}).map(([path, f]) => [path, { ...f, mutants: f.mutants.map(withoutDigits) }]));
  return { ...report, files, testFiles };
}

/**
 * StrykerJS's form: each test text read back from git. A test file whose blob is missing is left out, not kept
 * without its text: StrykerJS would then trust its old tests unchanged, whereas left out they count as new and the
 * mutants they killed are tested again.
 */
export function expand(report, store) {
  const missing = [];
  const testFiles = {};
  for (const [path, { sourceBlob, ...rest }] of Object.entries(report.testFiles ?? {})) {
    if (sourceBlob === undefined) {
      testFiles[path] = rest;
      continue;
    }
    const source = store.read(sourceBlob);
    if (source === undefined) missing.push(`${path} (blob ${sourceBlob})`);
    else testFiles[path] = { ...rest, source };
  }
  return { report: { ...report, testFiles }, missing };
}

/** StrykerJS's own layout (two-space indent, no final newline), so a rerun's diff shows only what changed. */
export const serialize = (report) => JSON.stringify(report, null, 2);
