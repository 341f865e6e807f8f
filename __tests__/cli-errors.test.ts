import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { terraformOutputFailure } from "../scripts/lib/stack-outputs";
import { runScript } from "./support/run-script";

const ROOT = join(__dirname, "..");
// Node's arguments in `npm run synth` (asl-files.test.ts checks the command itself and that cdktf.json's is the same).
const SYNTH_ARGS: string[] = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"))
  .scripts.synth.split(" ")
  .slice(1);
const dir = mkdtempSync(join(tmpdir(), "cli-errors-"));
const badConfig = join(dir, "bad.json");
writeFileSync(badConfig, JSON.stringify({ project: "airline-ingest", environments: { dev: { region: "us-east-1", etl: { numberOfWorkers: 0 } } } }));
const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m);

function synth(env: Record<string, string>) {
  const r = spawnSync(process.execPath, SYNTH_ARGS, {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, CDKTF_OUTDIR: join(dir, "out"), ...env },
  });
  return { status: r.status, stderr: r.stderr };
}

describe("every CLI ends a user error with one message, no stack trace (DEBUG=1 shows it)", () => {
  it("synth with a bad config", () => {
    const r = synth({ PIPELINE_CONFIG: badConfig, DEBUG: "" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: config .*bad\.json is invalid:\n {2}- environment "dev", key "etl\.numberOfWorkers": value 0: /);
    noStackTrace(r.stderr);
    const debug = synth({ PIPELINE_CONFIG: badConfig, DEBUG: "1" });
    expect(debug.status).not.toBe(0);
    expect(debug.stderr).toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });

  it("an operator script with a bad config", () => {
    const r = runScript("pipeline-start", ["--stack", "dev"], { PIPELINE_CONFIG: badConfig });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: config .*bad\.json is invalid:/);
    noStackTrace(r.stderr);
  });

  it("a stack never applied from this folder, read through real terraform", () => {
    const stack = join(dir, "stacks", "dev");
    mkdirSync(stack, { recursive: true });
    writeFileSync(
      join(stack, "cdk.tf.json"),
      JSON.stringify({ terraform: { backend: { s3: { bucket: "b", key: "k", region: "us-east-1" } } }, output: { x: { value: "1" } } }),
    );
    const r = spawnSync("terraform", ["output", "-json", "-no-color"], { cwd: stack, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
    expect(r.status).not.toBe(0);
    expect(terraformOutputFailure("dev", stack, r.stderr)).toBe(
      `stack "dev" was never applied from this folder (no initialized Terraform state in ${stack}): run cdktf deploy dev, or pass --outputs FILE`,
    );
    expect(terraformOutputFailure("dev", stack, "╷\n│ Error: Unsupported argument\n│ \n│   on x line 1")).toBe(
      `terraform output failed in ${stack}: Error: Unsupported argument`,
    );
  });

  it("seed:upload --dry-run checks a folder's layout with no credentials and no applied stack", () => {
    const data = join(dir, "data");
    mkdirSync(join(data, "daily_flights", "date=2001-01-15"), { recursive: true });
    writeFileSync(
      join(data, "daily_flights", "date=2001-01-15", "flights.csv"),
      "Carrier,OriginAirportID,DestAirportID,DepDelay,ArrDelay\nAA,10299,10165,1,2\n",
    );
    writeFileSync(join(data, "daily_flights", "notes.txt"), "x");
    const r = runScript("seed-upload", ["--data", data, "--stack", "dev", "--outputs", join(dir, "missing.json"), "--dry-run"]);
    expect(r.status).toBe(2);
    // The reason whole: a path with dots (a temp dir, a .json file) is not cut in two.
    expect(r.stdout).toContain(`dry run: checking the layout only, no checksum comparison (cannot read --outputs ${join(dir, "missing.json")}: ENOENT`);
    expect(r.stdout).toContain("would upload daily_flights/date=2001-01-15/flights.csv (");
    expect(r.stdout).toContain("refused daily_flights/notes.txt: daily flights must be daily_flights/date=YYYY-MM-DD/<name>.csv");
    expect(r.stdout).toMatch(/would upload 1 file\(s\) \(\d+ bytes\) to <data bucket of stack dev>; 0 unchanged skipped; 1 refused/);
  });
});

describe("CI deploys refuse the local backend (its state would go with the runner)", () => {
  const s3Config = join(dir, "s3.json");
  const shipped = JSON.parse(readFileSync(join(ROOT, "modules", "config", "environments.json"), "utf8"));
  writeFileSync(s3Config, JSON.stringify({ ...shipped, backend: { type: "s3", bucket: "team-tf-state", region: "us-east-1" } }));
  const refusal = /error: .*backend "local" cannot deploy from CI: the state would be lost with the runner/;

  it("in the deploy workflow's settings step", () => {
    const r = runScript("tooling/ci-settings", ["--stack", "dev", "--deploy"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(refusal);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(runScript("tooling/ci-settings", ["--stack", "dev"]).stdout).toContain("plan_mode=offline");
    const s3 = runScript("tooling/ci-settings", ["--stack", "dev", "--deploy"], { PIPELINE_CONFIG: s3Config });
    expect(s3.status).toBe(0);
    expect(s3.stdout).toBe("region=us-east-1\nplan_mode=offline\n");
    expect(readFileSync(join(ROOT, ".github", "workflows", "deploy-stack.yml"), "utf8")).toContain('scripts/tooling/ci-settings.ts --stack "$STACK" --deploy');
  });

  it("in the app when the cdktf CLI runs it in CI, not in a plain synth or outside CI", () => {
    const viaCdktf = { CDKTF_CONTEXT_JSON: "{}", CI: "true" };
    const refused = synth(viaCdktf);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(refusal);
    expect(synth({ ...viaCdktf, PIPELINE_CONFIG: s3Config }).status).toBe(0);
    expect(synth({ CI: "true" }).status).toBe(0);
    expect(synth({ CDKTF_CONTEXT_JSON: "{}", CI: "" }).status).toBe(0);
  });
});

describe("plain cdktf and terraform commands offline", () => {
  it("the documented mirror config is the one the project's own commands use, and terraform init works with it", () => {
    const { mirrorCliConfig } = jest.requireActual("../scripts/lib/terraform");
    const file = join(ROOT, "scripts", "offline-mirror.tfrc");
    expect(readFileSync(file, "utf8")).toBe(mirrorCliConfig("/opt/tf-plugins"));
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain("export CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=$PWD/scripts/offline-mirror.tfrc");
    const work = join(dir, "tf-init");
    mkdirSync(work, { recursive: true });
    writeFileSync(join(work, "main.tf.json"), JSON.stringify({ terraform: { required_providers: { aws: { source: "hashicorp/aws", version: "5.100.0" } } } }));
    const r = spawnSync("terraform", ["init", "-input=false", "-no-color"], {
      cwd: work,
      encoding: "utf8",
      env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: file },
    });
    expect(r.stdout + r.stderr).toContain("Terraform has been successfully initialized");
  }, 60000);
});

describe("npm run plan and npm run cost end a config error in one line too", () => {
  it.each([
    ["plan", ["--stack", "dev", "--offline"]],
    ["cost", ["--stack", "dev"]],
  ])("%s", (script, args) => {
    const r = runScript(script, args, { PIPELINE_CONFIG: badConfig });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: config .*bad\.json is invalid:\n {2}- environment "dev", key "etl\.numberOfWorkers"/);
    noStackTrace(r.stderr);
  });
});
