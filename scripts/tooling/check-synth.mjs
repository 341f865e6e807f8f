#!/usr/bin/env node
import { spawnSync } from "node:child_process";
// Synthesizes the way a user on a fresh laptop does: no terraform on PATH, no AWS credentials, no Terraform
// Cloud token. Then checks that every environment of the config has its stack in cdktf.out.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { delimiter, join } from "node:path";
import { ROOT, STACKS_DIR, SYNTH_ARGS } from "../lib/project.mjs";

const bareEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AWS_|TF_TOKEN|TF_CLI_CONFIG_FILE|ATLAS_TOKEN)/.test(k)));
bareEnv.PATH = (process.env.PATH ?? "")
  .split(delimiter)
  .filter((dir) => !existsSync(join(dir, "terraform")))
  .join(delimiter);
bareEnv.HOME = join(ROOT, "cdktf.out", ".no-home"); // no ~/.terraform.d credentials either

rmSync(join(ROOT, "cdktf.out"), { recursive: true, force: true });
const r = spawnSync(process.execPath, SYNTH_ARGS, { cwd: ROOT, env: bareEnv, encoding: "utf8" });
if (r.status !== 0) {
  console.error(`synth failed without terraform/credentials:\n${r.stdout}${r.stderr}`);
  process.exit(1);
}
// The same file synth reads: PIPELINE_CONFIG when set, the project's environments.json otherwise.
const configFile = process.env.PIPELINE_CONFIG || join(ROOT, "modules", "config", "environments.json");
const config = JSON.parse(readFileSync(configFile, "utf8"));
const missing = Object.keys(config.environments).filter((env) => !existsSync(join(STACKS_DIR, env, "cdk.tf.json")));
if (missing.length) {
  console.error(`synth wrote no cdk.tf.json for: ${missing.join(", ")}`);
  process.exit(1);
}
console.log(
  `synth without terraform or credentials: ${Object.keys(config.environments)
    .map((e) => `cdktf.out/stacks/${e}/cdk.tf.json`)
    .join(", ")}`,
);
