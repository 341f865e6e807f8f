import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where the machines keep hashicorp/aws 5.100.0 for offline use (DESIGN.md); elsewhere the registry is used. */
export const PROVIDER_MIRROR = process.env.TF_PROVIDER_MIRROR || "/opt/tf-plugins";

/** Environment for terraform: non-interactive, and the offline provider mirror when this machine has one. */
export function terraformEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, TF_IN_AUTOMATION: "1", TF_INPUT: "0", CHECKPOINT_DISABLE: "1" };
  // A CLI config of the user's wins; one that is named but missing (as on some machines) does not count.
  const userConfig = base.TF_CLI_CONFIG_FILE && existsSync(base.TF_CLI_CONFIG_FILE);
  if (existsSync(PROVIDER_MIRROR) && !userConfig) {
    const file = join(mkdtempSync(join(tmpdir(), "tf-cli-")), "cli.tfrc");
    writeFileSync(file, mirrorCliConfig(PROVIDER_MIRROR));
    env.TF_CLI_CONFIG_FILE = file;
  }
  return env;
}

/** A Terraform CLI config taking hashicorp providers from a filesystem mirror (scripts/offline-mirror.tfrc). */
export function mirrorCliConfig(path: string): string {
  return `provider_installation {\n  filesystem_mirror {\n    path    = "${path}"\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n`;
}

export interface TerraformResult {
  readonly code: number;
  readonly out: string;
}

/** Runs terraform, collecting stdout and stderr; never throws (code 127 when terraform cannot start). */
export function terraform(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<TerraformResult> {
  return new Promise((resolve) => {
    const child = spawn("terraform", args, { cwd, env });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", (e) => resolve({ code: 127, out: `terraform could not start: ${e.message} (install Terraform 1.11)` }));
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

/** One line for a failed init or plan; missing credentials online point at --offline. */
export function terraformFailure(step: string, stack: string, out: string, file: string): string {
  if (/no valid credential sources|failed to refresh cached credentials|NoCredentialProviders|EC2 IMDS|get credentials/i.test(out)) {
    return `no AWS credentials for an online ${step} of ${stack}: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or plan without an account: npm run plan -- --stack ${stack} --offline`;
  }
  return `terraform ${step} failed for ${stack}: ${terraformErrorLine(out)} (whole output: ${file})`;
}

/** Terraform's first `Error: ...` line without its box drawing, or else its first line of text. */
export function terraformErrorLine(out: string): string {
  const lines = out
    .split("\n")
    .map((l) => l.replace(/^[│╷╵\s]+/, "").trim())
    .filter(Boolean);
  return lines.find((l) => /^Error: /.test(l)) ?? lines[0] ?? "no message";
}
