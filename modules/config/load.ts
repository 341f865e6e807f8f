import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { UserError } from "../user-error";
import { jsonErrorWhere, nearest } from "./diagnose";
import { type PipelineConfig, pipelineConfigSchema } from "./schema";

/** The configuration file used when PIPELINE_CONFIG does not name another one. */
export const DEFAULT_CONFIG_FILE = join(__dirname, "environments.json");

export class ConfigError extends UserError {}

/** Reads, parses and validates the pipeline configuration; any problem throws a ConfigError naming file, environment, key and value. */
export function loadPipelineConfig(file = process.env.PIPELINE_CONFIG || DEFAULT_CONFIG_FILE): PipelineConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`config ${file}: cannot read: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config ${file}: not valid JSON: ${jsonErrorWhere((e as Error).message, text)}`);
  }
  return parsePipelineConfig(raw, file);
}

export function parsePipelineConfig(raw: unknown, source: string): PipelineConfig {
  const result = pipelineConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys" ? unknownKeys(issue.path.map(String), issue.keys) : [describeIssue(issue, raw)],
  );
  throw new ConfigError(`config ${source} is invalid:\n${lines.map((l) => `  - ${l}`).join("\n")}`);
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const path = issue.path.map(String);
  if (issue.code === "invalid_key") {
    return `key "${path.join(".")}": ${issue.issues.map((i) => i.message).join("; ")}`;
  }
  const inEnv = path[0] === "environments" && path.length > 1;
  const where = inEnv ? `environment "${path[1]}", key "${path.slice(2).join(".") || "(whole environment)"}"` : `key "${path.join(".") || "(root)"}"`;
  const keys = issue.code === "unrecognized_keys" ? ` (unknown: ${issue.keys.join(", ")})` : "";
  const value = valueAt(raw, issue.path);
  return `${where}: value ${value === undefined ? "(not set)" : JSON.stringify(value)}: ${issue.message}${keys}`;
}

/** One line per unknown key, by its full path, with the known key it was probably meant to be. */
function unknownKeys(path: string[], keys: string[]): string[] {
  const siblings = keysAt(path);
  const candidates = [...siblings, ...siblings.flatMap((k) => keysAt([...path, k]).map((child) => `${k}.${child}`))];
  return keys.map((key) => {
    const guess = nearest(key, candidates);
    return `key "${[...path, key].join(".")}": unknown key${guess ? `; did you mean "${[...path, guess].join(".")}"?` : ` (known here: ${siblings.join(", ")})`}`;
  });
}

/** The keys the schema knows at a path of the config (records such as environments take any name). */
function keysAt(path: string[]): string[] {
  let schema: z.ZodType | undefined = unwrapped(pipelineConfigSchema);
  for (const key of path) {
    const def = schema?._zod.def as { type: string; valueType?: z.ZodType; shape?: Record<string, z.ZodType> } | undefined;
    schema = unwrapped(def?.type === "record" ? def.valueType : def?.shape?.[key]);
  }
  const def = schema?._zod.def as { type: string; shape?: Record<string, unknown> } | undefined;
  return def?.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

/** The object or record inside defaults, optionals and refinements. */
function unwrapped(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema;
  while (s) {
    const def = s._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    if (def.type === "object" || def.type === "record") return s;
    s = def.innerType ?? def.in;
  }
  return undefined;
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  return path.reduce<unknown>((node, key) => (node !== null && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[key] : undefined), raw);
}

/** Whether this process is a CI run of the cdktf CLI (synth, diff, deploy): CI is set, and cdktf passes its context. */
export function isCdktfCliInCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.CI && env.CI !== "false") && env.CDKTF_CONTEXT_JSON !== undefined;
}

/**
 * A CI runner is thrown away after the job: with the `local` backend its state goes with it, and the next deploy
 * would try to create every resource again and collide on their names. CI deploys need shared state.
 */
export function refuseLocalBackendInCi(config: PipelineConfig, source = "the config"): void {
  if (config.backend.type !== "local") return;
  throw new ConfigError(
    `${source}: backend "local" cannot deploy from CI: the state would be lost with the runner and the next deploy would recreate every resource. ` +
      `Set "backend" to {"type": "s3", "bucket": ..., "region": ...} (npm run bootstrap:state creates the bucket) or {"type": "cloud", "organization": ...}: see scripts/README.md, "Where the state lives"`,
  );
}
