#!/usr/bin/env node
// Part of `npm test`: parliament (pinned, in its own venv) over every IAM policy of every synthesized stack. Zero
// findings allowed but those listed, each with its reason, in scripts/tooling/security/parliament-accepted.json.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT, STACKS_DIR } from "../lib/project.mjs";
import { ensurePythonEnv, PARLIAMENT_ENV } from "../lib/python-env.mjs";

const stacks = readdirSync(STACKS_DIR).map((stack) => join(STACKS_DIR, stack, "cdk.tf.json"));
const r = spawnSync(ensurePythonEnv(PARLIAMENT_ENV), [join(ROOT, "scripts", "tooling", "security", "parliament_check.py"), ...stacks], { stdio: "inherit" });
process.exit(r.status ?? 1);
