import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { OutputName } from "../../modules/outputs";
import { OperatorError } from "./cli";
import { terraformErrorLine } from "./terraform";

export class StackOutputs {
  constructor(
    private readonly values: Record<string, unknown>,
    readonly source: string,
  ) {}

  get(name: OutputName): string {
    const value = this.values[name];
    if (typeof value !== "string" || value === "") {
      throw new OperatorError(
        `output "${name}" is missing from ${this.source} (found: ${Object.keys(this.values).join(", ") || "none"}); apply the stack with this version of the project`,
      );
    }
    return value;
  }
}

/**
 * Accepts both formats: `terraform output -json` ({name: {value, type, sensitive}}) and
 * `cdktf output --outputs-file` ({stack: {name: value}}).
 */
export function parseOutputs(json: unknown, stack: string, source: string): StackOutputs {
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new OperatorError(`${source}: expected a JSON object of stack outputs`);
  let values = json as Record<string, unknown>;
  const nested = values[stack];
  if (nested && typeof nested === "object" && !("value" in (nested as object))) values = nested as Record<string, unknown>;
  const flat = Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, v !== null && typeof v === "object" && "value" in (v as object) ? (v as { value: unknown }).value : v]),
  );
  if (Object.keys(flat).length === 0) throw new OperatorError(`${source} has no outputs: stack "${stack}" was never applied (run: cdktf deploy ${stack})`);
  return new StackOutputs(flat, source);
}

/** From --outputs FILE, or from the applied stack's state through `terraform output -json`. */
export function readStackOutputs(stack: string, file?: string, stacksDir = join(__dirname, "..", "..", "cdktf.out", "stacks")): StackOutputs {
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new OperatorError(`cannot read --outputs ${file}: ${(e as Error).message}`);
    }
    try {
      return parseOutputs(JSON.parse(text), stack, file);
    } catch (e) {
      if (e instanceof OperatorError) throw e;
      throw new OperatorError(`--outputs ${file} is not JSON: ${(e as Error).message}`);
    }
  }
  const dir = join(stacksDir, stack);
  if (!existsSync(join(dir, "cdk.tf.json")))
    throw new OperatorError(`stack "${stack}" is not synthesized in ${dir}: run npm run synth (then cdktf deploy ${stack}), or pass --outputs FILE`);
  const r = spawnSync("terraform", ["output", "-json", "-no-color"], { cwd: dir, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
  if (r.error) throw new OperatorError(`cannot run terraform to read the outputs of "${stack}" (${r.error.message}); pass --outputs FILE instead`);
  if (r.status !== 0) throw new OperatorError(terraformOutputFailure(stack, dir, r.stderr));
  return parseOutputs(JSON.parse(r.stdout || "{}"), stack, `terraform output of ${dir}`);
}

/** One line for a failed `terraform output`: a stack never applied from this folder says so. */
export function terraformOutputFailure(stack: string, dir: string, stderr: string): string {
  if (/Backend initialization required|Required plugins are not installed|No state file|no outputs/i.test(stderr)) {
    return `stack "${stack}" was never applied from this folder (no initialized Terraform state in ${dir}): run cdktf deploy ${stack}, or pass --outputs FILE`;
  }
  return `terraform output failed in ${dir}: ${terraformErrorLine(stderr)}`;
}
