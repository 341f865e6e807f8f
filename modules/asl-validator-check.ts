import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * asl-validator builds and compiles its 13 JSON schemas with ajv on every call (about 0.2 s, most of a synth).
 * A definition it accepted once is accepted again by the same validator version, so the verdict is kept:
 * in this process per definition text, and across processes as an empty file named by
 * sha256(validator version + definition) under node_modules/.cache. Only acceptances are kept; a rejection
 * always comes from running the validator, so its message is always fresh. `ASL_VALIDATOR_CACHE=off` skips the
 * file cache (never the validation).
 */
export interface AslValidatorVerdict {
  isValid: boolean;
  errors: Array<{ Message?: string; schemaError?: { instancePath?: string } }>;
}

type Validator = (definition: unknown) => AslValidatorVerdict;

const ROOT = join(__dirname, "..");
/** ASL_VALIDATOR_CACHE_DIR moves it: mutation runs do, since a mutant may accept what the validator rejected. */
export const ASL_VALIDATOR_CACHE_DIR = process.env.ASL_VALIDATOR_CACHE_DIR || join(ROOT, "node_modules", ".cache", "asl-validator");
const acceptedThisProcess = new Set<string>();
let validator: Validator | undefined;
let validatorVersion: string | undefined;
let runs = 0;

/** Runs asl-validator on `definition` unless this exact text was accepted before by the same validator version. */
export function aslValidatorVerdict(definition: unknown): AslValidatorVerdict & { fromCache: boolean } {
  const text = JSON.stringify(definition);
  if (acceptedThisProcess.has(text)) return { isValid: true, errors: [], fromCache: true };
  const marker = join(ASL_VALIDATOR_CACHE_DIR, createHash("sha256").update(`${version()}\n${text}`).digest("hex"));
  const useFile = process.env.ASL_VALIDATOR_CACHE !== "off";
  if (useFile && existsSync(marker)) {
    acceptedThisProcess.add(text);
    return { isValid: true, errors: [], fromCache: true };
  }
  // asl-validator fills defaults into what it checks: give it a copy.
  runs += 1;
  const verdict = loadValidator()(structuredClone(definition));
  if (verdict.isValid) {
    acceptedThisProcess.add(text);
    if (useFile) remember(marker);
  }
  return { ...verdict, fromCache: false };
}

/** How many times asl-validator itself ran in this process. */
export function aslValidatorRuns(): number {
  return runs;
}

/** Forgets this process's acceptances (tests use it to make the next call run the validator). */
export function forgetAcceptedDefinitions(): void {
  acceptedThisProcess.clear();
}

function remember(marker: string): void {
  try {
    mkdirSync(ASL_VALIDATOR_CACHE_DIR, { recursive: true });
    writeFileSync(marker, "");
  } catch {
    // A read-only checkout only loses the speed-up.
  }
}

function version(): string {
  validatorVersion ??= (JSON.parse(readFileSync(require.resolve("asl-validator/package.json"), "utf8")) as { version: string }).version;
  return validatorVersion;
}

function loadValidator(): Validator {
  // Loaded on first need: requiring asl-validator pulls in ajv, which a cached synth never uses.
  validator ??= require("asl-validator") as Validator;
  return validator;
}
