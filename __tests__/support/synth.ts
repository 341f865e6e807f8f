import { readFileSync } from "node:fs";
import { Testing } from "cdktf";
import { DEFAULT_CONFIG_FILE, parsePipelineConfig } from "../../modules/config/load";
import { PipelineStack } from "../../modules/pipeline-stack";

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Json = any;

/** The project's configuration file as raw JSON, a fresh copy each call (tests change it). */
export function rawConfig(): Json {
  return JSON.parse(readFileSync(DEFAULT_CONFIG_FILE, "utf8"));
}

const cache = new Map<string, Json>();

/**
 * StrykerJS measures per-test coverage in its dry run: a stack synthesized once for a whole file would count as
 * covered by no test but the first, and every mutant in the constructs would run only the tests that happened to
 * synthesize it. In that run each test synthesizes its own stack. In a mutant's run (active mutant set) the mutant
 * is the same for every test, so the file's cache holds. In both, a stack asked for outside a test is built on first
 * use: a mutant's run loads every related test file, most of which run none of their tests. So read resources in
 * tests (`const job = () => only(dev, ...)`), not at describe level: a value read there counts as covered by no test.
 */
const underStryker = process.env.STRYKER_MUTATOR_WORKER !== undefined;
const perTest = underStryker && process.env.__STRYKER_ACTIVE_MUTANT__ === undefined;
const currentTest = () => (typeof expect === "undefined" ? undefined : expect.getState().currentTestName);

/**
 * Synthesizes one environment's stack in memory and returns its Terraform JSON. `change` edits the raw config
 * first (for per-config tests); unchanged environments are cached for the test file.
 */
export function synth(environment = "dev", change?: (raw: Json) => void): Json {
  if (underStryker && !change && currentTest() === undefined) return lazyStack(environment);
  return synthNow(environment, change);
}

function synthNow(environment: string, change?: (raw: Json) => void): Json {
  const key = change ? "" : `${environment}${perTest ? `@${currentTest() ?? "outside a test"}` : ""}`;
  if (key && cache.has(key)) return cache.get(key);
  const raw = rawConfig();
  change?.(raw);
  const config = parsePipelineConfig(raw, "test config");
  const app = Testing.app();
  const stack = new PipelineStack(app, environment, {
    project: config.project,
    environment,
    backend: config.backend,
    settings: config.environments[environment],
  });
  const json = JSON.parse(Testing.synth(stack));
  if (key) cache.set(key, json);
  return json;
}

/** A stack that synthesizes when a test first reads it (and again in each later test, in StrykerJS's dry run). */
function lazyStack(environment: string): Json {
  const real = () => synthNow(environment);
  return new Proxy(
    {},
    {
      get: (_, prop) => real()[prop],
      has: (_, prop) => prop in real(),
      ownKeys: () => Reflect.ownKeys(real()),
      getOwnPropertyDescriptor: (_, prop) => ({ ...Reflect.getOwnPropertyDescriptor(real(), prop), configurable: true }),
    },
  );
}

/** Every resource of one Terraform type, as [logical name, body]. */
export function resources(json: Json, type: string): Array<[string, Json]> {
  return Object.entries(json.resource?.[type] ?? {});
}

/** The bodies of every resource of a type. */
export function bodies(json: Json, type: string): Json[] {
  return resources(json, type).map(([, body]) => body);
}

/** The one resource of a type whose body matches; fails when there is not exactly one. */
export function only(json: Json, type: string, match: (body: Json) => boolean = () => true): Json {
  const found = bodies(json, type).filter(match);
  if (found.length !== 1) throw new Error(`expected exactly one ${type} matching, found ${found.length}`);
  return found[0];
}

/** `${type.name.attr}` reference to a resource's attribute, as it appears in the synthesized JSON. */
export function ref(json: Json, type: string, match: (body: Json) => boolean, attribute: string): string {
  const [name] = resources(json, type).find(([, body]) => match(body)) ?? [];
  if (!name) throw new Error(`no ${type} matching`);
  return `\${${type}.${name}.${attribute}}`;
}

/** IAM policy documents of the roles whose name contains `roleNamePart`, statements flattened. */
export function roleStatements(json: Json, roleNamePart: string): Json[] {
  const roles = resources(json, "aws_iam_role").filter(([, r]) => r.name.includes(roleNamePart));
  if (roles.length !== 1) throw new Error(`expected one role named *${roleNamePart}*, found ${roles.length}`);
  const roleRef = `\${aws_iam_role.${roles[0][0]}.id}`;
  return bodies(json, "aws_iam_role_policy")
    .filter((p) => p.role === roleRef)
    .flatMap((p) => JSON.parse(p.policy).Statement);
}

/** Statements granting an action, and the resources they grant it on. */
export function grantsOf(statements: Json[], action: string): string[] {
  return statements.filter((s) => s.Effect === "Allow" && [].concat(s.Action).includes(action as never)).flatMap((s) => [].concat(s.Resource));
}
