// `npm run synth:hcl` (and part of `npm test`): every stack as HCL (`cdktf synth --hcl`) in cdktf.out/hcl/, then
// `terraform init` + `validate` of it, so a team can leave CDKTF for plain Terraform files. Two repairs of cdktf's
// HCL writer: a map key starting with "--" (the Glue job's arguments) is left bare, which Terraform reads as an
// expression, so it is quoted; depends_on entries are written quoted (deprecated), so they are unquoted.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");
const OUT = join(ROOT, "cdktf.out", "hcl");

/** The HCL with every bare `--key =` map entry quoted and every depends_on entry a bare reference. */
export function repairHcl(hcl: string): string {
  return hcl
    .replace(/^(\s+)(--[A-Za-z0-9_-]+)(\s+=)/gm, '$1"$2"$3')
    .replace(/depends_on = \[([^\]]*)\]/g, (block) => block.replace(/"([a-z0-9_]+\.[\w-]+)"/g, "$1"));
}

if (require.main === module) {
  const synth = spawnSync(join(ROOT, "node_modules", ".bin", "cdktf"), ["synth", "--hcl", "--output", OUT], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, CHECKPOINT_DISABLE: "1", CI: "" },
  });
  if (synth.status !== 0) {
    console.error(`cdktf synth --hcl failed:\n${synth.stdout}\n${synth.stderr}`);
    process.exit(1);
  }
  const stacks = join(OUT, "stacks");
  for (const stack of readdirSync(stacks)) {
    const file = join(stacks, stack, "cdk.tf");
    writeFileSync(file, repairHcl(readFileSync(file, "utf8")));
  }
  console.log(`HCL of every stack in ${stacks}`);
  const validate = spawnSync(process.execPath, ["--import", "tsx", join(__dirname, "tf-validate.ts")], {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, CDKTF_STACKS_DIR: stacks },
  });
  process.exit(validate.status ?? 1);
}
