import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { warehouseSeedStatements } from "../scripts/lib/sql-files";
import { parseOutputs, readStackOutputs } from "../scripts/lib/stack-outputs";
import { contractViolation } from "../scripts/lib/upload";
import { runScript } from "./support/run-script";

const dir = mkdtempSync(join(tmpdir(), "cli-"));
const TERRAFORM_OUTPUTS = {
  data_bucket_name: { sensitive: false, type: "string", value: "airline-ingest-dev-data-abc" },
  redshift_copy_role_arn: { sensitive: false, type: "string", value: "arn:aws:iam::000000000000:role/airline-ingest-dev-warehouse-s3-access" },
};
const outputsFile = join(dir, "outputs.json");
writeFileSync(outputsFile, JSON.stringify(TERRAFORM_OUTPUTS));

describe("the after-apply scripts' command line", () => {
  it.each(["seed-warehouse", "seed-upload", "pipeline-start"])("%s --help prints its usage and exits 0", (name) => {
    const r = runScript(name, ["--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run /);
    expect(r.stdout).toContain("AWS_PROFILE");
  });

  it("seed:warehouse --dry-run needs neither outputs nor credentials: what it cannot know yet shows as a named placeholder", () => {
    const r = runScript("seed-warehouse", ["--stack", "dev", "--outputs", join(tmpdir(), "no-such-outputs.json"), "--dry-run"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("-- (dry run without the stack's outputs: cannot read --outputs");
    expect(r.stdout).toContain("FROM 's3://<data_bucket_name>/airport_codes/airport_codes.csv'");
    expect(r.stdout).toContain("IAM_ROLE '<redshift_copy_role_arn>'");
  });

  it("seed:warehouse --dry-run prints the SQL in apply order with the stack's bucket and COPY role", () => {
    const r = runScript("seed-warehouse", ["--stack", "dev", "--outputs", outputsFile, "--dry-run"]);
    expect(r.status).toBe(0);
    const files = [...r.stdout.matchAll(/^-- \d+\. (\S+)$/gm)].map((m) => m[1]);
    expect(files).toStrictEqual([
      "shared/001_create_schema.sql",
      "shared/002_create_dim_airport_codes.sql",
      "shared/003_create_daily_flights_processed.sql",
      "shared/004_create_stage_airport_codes.sql",
      "redshift/005_copy_airport_codes.sql",
      "shared/006_replace_dim_airport_codes.sql",
      "shared/006_replace_dim_airport_codes.sql",
      "shared/007_grant_etl_user.sql",
      "shared/007_grant_etl_user.sql",
      "shared/007_grant_etl_user.sql",
    ]);
    expect(r.stdout).toContain("GRANT SELECT, INSERT, DELETE ON airlines.daily_flights_processed TO glue_etl;");
    expect(r.stdout).toContain("FROM 's3://airline-ingest-dev-data-abc/airport_codes/airport_codes.csv'");
    expect(r.stdout).toContain("IAM_ROLE 'arn:aws:iam::000000000000:role/airline-ingest-dev-warehouse-s3-access'");
  });

  it("says when credentials are missing, before doing anything", () => {
    const r = runScript("seed-upload", ["--data", dir, "--stack", "dev", "--outputs", outputsFile]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: no AWS credentials found");
    expect(r.stderr).toContain("AWS_PROFILE");
  });

  it("names a stack that is not in the config, and an output the file lacks", () => {
    expect(runScript("pipeline-start", ["--stack", "qa"]).stderr).toContain('stack "qa" is not an environment of the config (environments: dev, prod)');
    const r = runScript("pipeline-start", ["--stack", "dev", "--outputs", outputsFile], { AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "y" });
    expect(r.stderr).toContain(`output "state_machine_arn" is missing from ${outputsFile}`);
  });
});

describe("stack outputs", () => {
  it("reads terraform output -json and cdktf output --outputs-file alike", () => {
    expect(parseOutputs(TERRAFORM_OUTPUTS, "dev", "t").get("data_bucket_name")).toBe("airline-ingest-dev-data-abc");
    expect(parseOutputs({ dev: { data_bucket_name: "b1" }, prod: { data_bucket_name: "b2" } }, "prod", "c").get("data_bucket_name")).toBe("b2");
  });

  it("tells a never-applied stack and a never-synthesized one apart", () => {
    expect(() => parseOutputs({}, "dev", "terraform output")).toThrow('stack "dev" was never applied (run: cdktf deploy dev)');
    expect(() => readStackOutputs("dev", undefined, join(dir, "no-stacks"))).toThrow(/stack "dev" is not synthesized .* run npm run synth/);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{");
    expect(() => readStackOutputs("dev", bad)).toThrow(`--outputs ${bad} is not JSON`);
  });
});

describe("upload contract", () => {
  const prefixes = { airportCodes: "airport_codes/", dailyFlights: "daily_flights/" };
  it.each([
    ["airport_codes/airport_codes.csv", null],
    ["daily_flights/date=2001-01-01/anything.csv", null],
    ["airport_codes/other.csv", "not airport_codes/airport_codes.csv and not under daily_flights/"],
    ["daily_flights/date=2001-01-01/sub/x.csv", "daily flights must be daily_flights/date=YYYY-MM-DD/<name>.csv"],
    ["daily_flights/date=2001-13-01/x.csv", "2001-13-01 is not a real day"],
  ])("%s -> %s", (key, reason) => {
    expect(contractViolation(key, prefixes)).toBe(reason);
  });

  it("renders every placeholder of the seed SQL and refuses an unknown one", () => {
    expect(() => warehouseSeedStatements({ schema: "airlines" })).toThrow(/redshift\/005_copy_airport_codes\.sql: unknown placeholder \{\{bucket\}\}/);
  });
});

describe("every command refuses an unknown or abbreviated flag with its usage", () => {
  const node = (script: string, args: string[]) => spawnSync(process.execPath, [join(__dirname, "..", "scripts", script), ...args], { encoding: "utf8" });

  it("sample:data refuses a flag it does not know instead of ignoring it", () => {
    const r = node("sample-data.mjs", ["--dayz", "3"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("error: Unknown option '--dayz'");
    expect(r.stderr).toContain("usage: npm run sample:data [-- --days N] [--out DIR]");
  });

  it.each([
    ["local-run.mjs", ["--dat", "./data", "--state", "s"], /the following arguments are required: --data|unrecognized arguments: --dat/],
    ["tooling/bench-local.mjs", ["--run", "1"], /unrecognized arguments: --run 1/],
  ])(
    "%s refuses an abbreviation (argparse would take it for the long flag)",
    (script, args, message) => {
      const r = node(script, args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/^usage: npm run (local|bench:local) --/m);
    },
    120_000,
  );
});
