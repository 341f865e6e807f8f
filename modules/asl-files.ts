import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import jsonata from "jsonata";
import { aslValidatorVerdict } from "./asl-validator-check";
import { jsonDocument } from "./json-document";
import { UserError } from "./user-error";

/** Where the state machine and event pattern JSON live. */
export const ASL_DIR = join(__dirname, "..", "asl");
export const STATE_MACHINE_FILE = join(ASL_DIR, "state-machine.asl.json");
export const EVENT_PATTERN_FILE = join(ASL_DIR, "event-pattern.json");

/** Values for the `{{Name}}` placeholders of a file: resource references (strings) or config numbers. */
export type Substitutions = Readonly<Record<string, string | number>>;

export class AslFileError extends UserError {
  constructor(file: string, where: string, message: string) {
    super(`${basename(file)}: ${where}: ${message}`);
  }
}

const PLACEHOLDER = /\{\{(\w+)\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{(\w+)\}\}$/;
const JSONATA = /^\{%(.*)%\}$/s;

/**
 * Reads a JSON template and fills its placeholders. A string that is only a placeholder takes the value's type
 * (so `"{{CrawlerPollSeconds}}"` becomes a number); placeholders inside a string are interpolated. Terraform's
 * own `${` and `%{` in the file are escaped, so only the substituted references are interpolated by Terraform.
 */
export function renderTemplate(file: string, substitutions: Substitutions): unknown {
  let tree: unknown;
  try {
    tree = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new AslFileError(file, "file", `is not valid JSON: ${(e as Error).message}`);
  }
  const used = new Set<string>();
  const fill = (node: unknown, path: string): unknown => {
    if (Array.isArray(node)) return node.map((item, i) => fill(item, `${path}[${i}]`));
    if (node !== null && typeof node === "object") {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, fill(v, path ? `${path}.${k}` : k)]));
    }
    if (typeof node !== "string") return node;
    const lookup = (name: string): string | number => {
      if (!(name in substitutions)) throw new AslFileError(file, path, `unknown placeholder {{${name}}} (known: ${Object.keys(substitutions).join(", ")})`);
      used.add(name);
      return substitutions[name];
    };
    const whole = WHOLE_PLACEHOLDER.exec(node);
    if (whole) return lookup(whole[1]);
    return escapeTerraform(node).replace(PLACEHOLDER, (_, name: string) => String(lookup(name)));
  };
  const rendered = fill(tree, "");
  const unused = Object.keys(substitutions).filter((name) => !used.has(name));
  if (unused.length) throw new AslFileError(file, "file", `never uses the placeholder(s) ${unused.map((n) => `{{${n}}}`).join(", ")}`);
  return rendered;
}

function escapeTerraform(text: string): string {
  // Function replacements: in a replacement string "$$" would collapse to "$".
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}

/** Renders and validates the state machine; returns the definition as readable JSON text. */
export function loadStateMachineDefinition(file: string, substitutions: Substitutions): string {
  const definition = renderTemplate(file, substitutions) as StateMachine;
  validateStateMachine(file, definition, renderTemplate(file, referencesAsStandIns(substitutions)) as StateMachine);
  return JSON.stringify(definition, null, 2);
}

/**
 * The references differ from stack to stack (they are Terraform tokens) and asl-validator cannot see through
 * them anyway; numbers are config and stay. Validating this form makes one validator run per template and
 * config, whatever the number of stacks.
 */
function referencesAsStandIns(substitutions: Substitutions): Substitutions {
  return Object.fromEntries(Object.entries(substitutions).map(([name, value]) => [name, typeof value === "string" ? `reference-${name}` : value]));
}

interface StateMachine {
  StartAt?: string;
  States?: Record<string, Record<string, unknown>>;
}

/** Checks transitions and JSONata of `definition`, and runs asl-validator on `schemaForm` (the definition by default). */
export function validateStateMachine(file: string, definition: StateMachine, schemaForm: StateMachine = definition): void {
  const states = definition.States ?? {};
  for (const [name, state] of Object.entries(states)) {
    for (const target of transitionTargets(state)) {
      if (!(target in states))
        throw new AslFileError(file, `state "${name}"`, `goes to "${target}", which is not a state (states: ${Object.keys(states).join(", ")})`);
    }
    // Every `{% ... %}` string must compile with jsonata, the engine Step Functions runs.
    for (const { path, expression } of jsonataExpressions(state, `States.${name}`)) {
      try {
        jsonata(expression);
      } catch (e) {
        throw new AslFileError(file, `state "${name}" (${path})`, `bad JSONata ${JSON.stringify(expression.trim())}: ${(e as Error).message}`);
      }
    }
  }
  const result = aslValidatorVerdict(schemaForm);
  if (!result.isValid) {
    const pointer = result.errors[0].schemaError?.instancePath ?? "";
    const state = /^\/States\/([^/]+)/.exec(pointer)?.[1];
    const where = state ? `state "${decodeURIComponent(state)}" (${pointer})` : "definition";
    throw new AslFileError(file, where, `asl-validator: ${result.errors.map((e) => e.Message ?? JSON.stringify(e)).join("; ")}`);
  }
}

function transitionTargets(state: Record<string, unknown>): string[] {
  const targets: string[] = [];
  const add = (t: unknown) => typeof t === "string" && targets.push(t);
  add(state.Next);
  add(state.Default);
  for (const list of [state.Choices, state.Catch]) {
    if (Array.isArray(list)) for (const c of list as Array<{ Next?: unknown }>) add(c.Next);
  }
  return targets;
}

/** jsonata expressions of a rendered definition, by path; tests evaluate each of them. */
export function jsonataExpressions(node: unknown, path = ""): Array<{ path: string; expression: string }> {
  if (Array.isArray(node)) return node.flatMap((item, i) => jsonataExpressions(item, `${path}[${i}]`));
  if (node !== null && typeof node === "object") return Object.entries(node).flatMap(([k, v]) => jsonataExpressions(v, path ? `${path}.${k}` : k));
  const m = typeof node === "string" ? JSONATA.exec(node) : null;
  return m ? [{ path, expression: m[1] }] : [];
}

/** EventBridge's content-filter operators: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html */
const EVENT_PATTERN_OPERATORS = new Set(["prefix", "suffix", "anything-but", "numeric", "exists", "cidr", "equals-ignore-case", "wildcard"]);

/** Renders and validates an EventBridge pattern; returns it as JSON text. */
export function loadEventPattern(file: string, substitutions: Substitutions): string {
  const pattern = renderTemplate(file, substitutions);
  validateEventPattern(file, pattern, "");
  return jsonDocument(pattern);
}

export function validateEventPattern(file: string, node: unknown, path: string): void {
  if (node === null || typeof node !== "object" || Array.isArray(node)) {
    throw new AslFileError(file, path || "pattern", "must be an object whose leaves are arrays of values or matchers");
  }
  for (const [key, value] of Object.entries(node)) {
    const here = path ? `${path}.${key}` : key;
    if (key === "$or") {
      if (!Array.isArray(value) || value.length < 2) throw new AslFileError(file, here, "$or takes an array of at least two patterns");
      for (const [i, alt] of value.entries()) validateEventPattern(file, alt, `${here}[${i}]`);
    } else if (Array.isArray(value)) {
      if (value.length === 0) throw new AslFileError(file, here, "an empty array matches nothing");
      for (const [i, m] of value.entries()) checkMatcher(file, m, `${here}[${i}]`);
    } else {
      validateEventPattern(file, value, here);
    }
  }
}

function checkMatcher(file: string, matcher: unknown, path: string): void {
  if (matcher === null || ["string", "number", "boolean"].includes(typeof matcher)) return;
  if (typeof matcher !== "object" || Array.isArray(matcher)) throw new AslFileError(file, path, `${JSON.stringify(matcher)} is neither a value nor a matcher`);
  const keys = Object.keys(matcher);
  if (keys.length !== 1 || !EVENT_PATTERN_OPERATORS.has(keys[0])) {
    throw new AslFileError(file, path, `unknown EventBridge operator ${JSON.stringify(keys.join(","))} (allowed: ${[...EVENT_PATTERN_OPERATORS].join(", ")})`);
  }
}
