import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NotFound,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { awsClientConfig, ensureCredentials } from "../scripts/lib/aws";
import { OperatorError, parseCli, runScript, stackSettings } from "../scripts/lib/cli";
import { quarantineReasons, type SmokeTarget, sourceId, waitForReport } from "../scripts/lib/smoke";
import { FACT_TABLE_SQL, renderSql, splitStatements, tableColumns, warehouseSeedStatements } from "../scripts/lib/sql-files";
import { parseOutputs, readStackOutputs, terraformOutputFailure } from "../scripts/lib/stack-outputs";
import { ensureStateBucket, tlsOnlyPolicy } from "../scripts/lib/state-bucket";
import { mirrorCliConfig, PROVIDER_MIRROR, terraform, terraformEnv, terraformErrorLine, terraformFailure } from "../scripts/lib/terraform";
import { contractViolation, listFiles, planUploads } from "../scripts/lib/upload";
import { withEnv } from "./support/env";

// In-process tests of scripts/lib: the CLI tests run the scripts as child processes, which prove the wiring
// but leave these functions' details (messages, boundaries, defaults) to these.

const scratch = () => mkdtempSync(join(tmpdir(), "scripts-lib-"));

describe("parseCli", () => {
  const spec = { usage: "usage: x --stack S [--dry-run]", strings: ["stack", "outputs"], booleans: ["dry-run"], required: ["stack"] };

  it("returns the options given, booleans as booleans", () => {
    const args = parseCli(["--stack", "dev", "--dry-run"], spec);
    expect(args.stack).toBe("dev");
    expect(args["dry-run"]).toBe(true);
    expect(args.outputs).toBeUndefined();
  });

  it("names an unknown option, with the usage", () => {
    expect(() => parseCli(["--stack", "dev", "--colour", "red"], spec)).toThrow(
      new OperatorError("unknown option(s): --colour\n\nusage: x --stack S [--dry-run]"),
    );
  });

  it("names a missing required option, with the usage", () => {
    expect(() => parseCli(["--dry-run"], spec)).toThrow(new OperatorError("--stack is required\n\nusage: x --stack S [--dry-run]"));
  });

  it("accepts --debug and no options at all when nothing is required", () => {
    expect(parseCli(["--debug"], { usage: "u" }).debug).toBe(true);
    expect(parseCli([], { usage: "u" })._).toStrictEqual([]);
  });

  it("keeps string options as text, takes no value for a boolean, and names every unknown option", () => {
    const args = parseCli(["--dry-run", "extra", "--stack", "123", "--debug", "more"], spec);
    expect(args).toMatchObject({ stack: "123", "dry-run": true, debug: true, _: ["extra", "more"] });
    expect(parseCli(["--stack", "s", "--help=false"], spec).help).toBe(false);
    expect(() => parseCli(["--stack", "s", "--a", "--b"], spec)).toThrow("unknown option(s): --a, --b\n\nusage:");
  });

  it("prints the usage for --help and exits 0", () => {
    const exit = jest.spyOn(process, "exit").mockImplementation(() => {
      throw new Error("exited");
    });
    const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      expect(() => parseCli(["--help"], spec)).toThrow("exited");
      expect(log).toHaveBeenCalledWith("usage: x --stack S [--dry-run]");
      expect(exit).toHaveBeenCalledWith(0);
    } finally {
      exit.mockRestore();
      log.mockRestore();
    }
  });
});

describe("stackSettings and runScript", () => {
  it("returns the named environment's settings and names the environments when the stack is not one", () => {
    expect(stackSettings("dev").region).toBe("us-east-1");
    expect(() => stackSettings("qa")).toThrow(new OperatorError('stack "qa" is not an environment of the config (environments: dev, prod)'));
  });

  it("sets the exit code from main: its number, 0 otherwise, 1 with one red line for a user error", async () => {
    const error = jest.spyOn(console, "error").mockImplementation(() => undefined);
    const before = process.exitCode;
    try {
      await runScript(async () => 3);
      expect(process.exitCode).toBe(3);
      await runScript(async () => "done");
      expect(process.exitCode).toBe(0);
      await withEnv({ DEBUG: undefined }, () =>
        runScript(async () => {
          throw new OperatorError("no such bucket");
        }),
      );
      expect(process.exitCode).toBe(1);
      expect(error).toHaveBeenCalledWith(expect.stringContaining("error: no such bucket"));
      await expect(runScript(async () => Promise.reject(new TypeError("a bug")))).rejects.toThrow("a bug");
    } finally {
      process.exitCode = before;
      error.mockRestore();
    }
  });
});

describe("awsClientConfig and ensureCredentials", () => {
  it("takes AWS_REGION, then AWS_DEFAULT_REGION, then the stack's region", async () => {
    const none = { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, AWS_ENDPOINT_URL: undefined };
    await withEnv(none, () => expect(awsClientConfig("eu-west-1")).toStrictEqual({ region: "eu-west-1" }));
    await withEnv({ ...none, AWS_DEFAULT_REGION: "eu-central-1" }, () => expect(awsClientConfig("eu-west-1").region).toBe("eu-central-1"));
    await withEnv({ ...none, AWS_DEFAULT_REGION: "eu-central-1", AWS_REGION: "us-west-2" }, () =>
      expect(awsClientConfig("eu-west-1").region).toBe("us-west-2"),
    );
  });

  it("addresses a local endpoint path-style", async () => {
    await withEnv({ AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, AWS_ENDPOINT_URL: "http://127.0.0.1:5000" }, () =>
      expect(awsClientConfig("us-east-1")).toStrictEqual({ region: "us-east-1", endpoint: "http://127.0.0.1:5000", forcePathStyle: true }),
    );
  });

  it("finds keys in the environment, and says what to set when there are none", async () => {
    await withEnv({ AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_PROFILE: undefined }, () =>
      expect(ensureCredentials()).resolves.toBeUndefined(),
    );
    const none = scratch();
    const error = await withEnv(
      {
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_SESSION_TOKEN: undefined,
        AWS_PROFILE: undefined,
        AWS_CONFIG_FILE: join(none, "config"),
        AWS_SHARED_CREDENTIALS_FILE: join(none, "credentials"),
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
        AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
      },
      () => ensureCredentials().catch((e) => e),
    );
    expect(error).toBeInstanceOf(OperatorError);
    // The SDK's own words, first line only.
    expect(error.message).toBe(
      "no AWS credentials found (Could not load credentials from any providers). Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run aws sso login.",
    );
  });
});

describe("terraform helpers", () => {
  it("run terraform non-interactively, with the offline mirror unless the user's CLI config exists", () => {
    const env = terraformEnv({ PATH: "/bin", TF_CLI_CONFIG_FILE: "/nowhere/cli.tfrc" });
    expect(env).toMatchObject({ PATH: "/bin", TF_IN_AUTOMATION: "1", TF_INPUT: "0", CHECKPOINT_DISABLE: "1" });
    if (existsSync(PROVIDER_MIRROR)) {
      expect(env.TF_CLI_CONFIG_FILE).toMatch(/\/tf-cli-[^/]+\/cli\.tfrc$/);
      expect(readFileSync(env.TF_CLI_CONFIG_FILE as string, "utf8")).toBe(mirrorCliConfig(PROVIDER_MIRROR));
    }
    const own = join(scratch(), "mine.tfrc");
    writeFileSync(own, "");
    expect(terraformEnv({ TF_CLI_CONFIG_FILE: own }).TF_CLI_CONFIG_FILE).toBe(own);
  });

  it("write a mirror config for hashicorp providers only", () => {
    expect(mirrorCliConfig("/m")).toBe(
      'provider_installation {\n  filesystem_mirror {\n    path    = "/m"\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n',
    );
  });

  it("collect what the real terraform prints, and its exit code", async () => {
    const dir = scratch();
    const ok = await terraform(["version"], dir, terraformEnv());
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^Terraform v1\./);
    const bad = await terraform(["no-such-command"], dir, terraformEnv());
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain("no-such-command");
    expect(await terraform(["version"], dir, { PATH: dir })).toStrictEqual({
      code: 127,
      out: expect.stringMatching(/^terraform could not start: .*ENOENT.* \(install Terraform 1\.11\)$/),
    });
  });

  it("take terraform's Error line without its box drawing, else the first line of text", () => {
    expect(terraformErrorLine("\n╷\n│ Warning: w\n│\n│ Error: Invalid reference\n│   on main.tf\n╵\n")).toBe("Error: Invalid reference");
    expect(terraformErrorLine("  \n│   something odd happened  \n")).toBe("something odd happened");
    expect(terraformErrorLine("note: an Error: inside\nError: the real one")).toBe("Error: the real one");
    expect(terraformErrorLine("││Error: nested box")).toBe("Error: nested box");
    expect(terraformErrorLine("")).toBe("no message");
  });

  it("explain a failed step, and missing credentials online by pointing at --offline", () => {
    expect(terraformFailure("plan", "dev", "Error: No valid credential sources found", "/tmp/p.log")).toBe(
      "no AWS credentials for an online plan of dev: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or plan without an account: npm run plan -- --stack dev --offline",
    );
    expect(terraformFailure("init", "prod", "│ Error: Failed to query available provider packages\n", "/tmp/i.log")).toBe(
      "terraform init failed for prod: Error: Failed to query available provider packages (whole output: /tmp/i.log)",
    );
  });
});

describe("stack outputs", () => {
  it("name a missing or empty output and what was found", () => {
    const outputs = parseOutputs({ a: { value: "x" }, b: { value: "" } }, "dev", "f.json");
    expect(outputs.get("a" as never)).toBe("x");
    expect(() => outputs.get("b" as never)).toThrow(
      new OperatorError('output "b" is missing from f.json (found: a, b); apply the stack with this version of the project'),
    );
    expect(() => parseOutputs({ c: 3 }, "dev", "g.json").get("c" as never)).toThrow('output "c" is missing from g.json (found: c)');
  });

  it("refuse what is not a JSON object of outputs", () => {
    for (const json of [null, [], "text", 3]) {
      expect(() => parseOutputs(json, "dev", "o.json")).toThrow(new OperatorError("o.json: expected a JSON object of stack outputs"));
    }
  });

  it("take a stack's own entry of cdktf's file, but an output named like the stack in terraform's", () => {
    expect(parseOutputs({ dev: { a: "1" }, prod: { a: "2" } }, "prod", "f").get("a" as never)).toBe("2");
    expect(parseOutputs({ dev: { value: "v", type: "string" } }, "dev", "f").get("dev" as never)).toBe("v");
    expect(parseOutputs({ dev: "plain", other: { value: null }, none: null }, "dev", "f").get("dev" as never)).toBe("plain");
  });

  it("read --outputs FILE, naming the file when it is missing or not JSON", () => {
    const dir = scratch();
    const file = join(dir, "outputs.json");
    writeFileSync(file, JSON.stringify({ dev: { bucket: "b" } }));
    expect(readStackOutputs("dev", file).get("bucket" as never)).toBe("b");
    expect(() => readStackOutputs("dev", join(dir, "none.json"))).toThrow(new RegExp(`^cannot read --outputs ${join(dir, "none.json")}: ENOENT`));
    writeFileSync(file, "{ nope");
    expect(() => readStackOutputs("dev", file)).toThrow(new RegExp(`^--outputs ${file} is not JSON: `));
    writeFileSync(file, "{}");
    expect(() => readStackOutputs("dev", file)).toThrow(new OperatorError(`${file} has no outputs: stack "dev" was never applied (run: cdktf deploy dev)`));
  });

  it("read an applied stack's outputs through the real terraform, and say when it was never synthesized", () => {
    const stacks = scratch();
    expect(() => readStackOutputs("dev", undefined, stacks)).toThrow(
      new OperatorError(`stack "dev" is not synthesized in ${join(stacks, "dev")}: run npm run synth (then cdktf deploy dev), or pass --outputs FILE`),
    );
    const dir = join(stacks, "dev");
    mkdirSync(dir);
    writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify({ output: { bucket: { value: "data-bucket" } } }));
    const state = {
      version: 4,
      terraform_version: "1.11.0",
      serial: 1,
      lineage: "l",
      outputs: { bucket: { value: "data-bucket", type: "string" } },
      resources: [],
    };
    writeFileSync(join(dir, "terraform.tfstate"), JSON.stringify(state));
    const outputs = readStackOutputs("dev", undefined, stacks);
    expect(outputs.get("bucket" as never)).toBe("data-bucket");
    expect(outputs.source).toBe(`terraform output of ${dir}`);
  });

  it("look for synthesized stacks in cdktf.out/stacks, and need the stack's cdk.tf.json there", () => {
    const root = join(__dirname, "..");
    expect(() => readStackOutputs("no-such-stack")).toThrow(
      `stack "no-such-stack" is not synthesized in ${join(root, "cdktf.out", "stacks", "no-such-stack")}:`,
    );
    const stacks = scratch();
    mkdirSync(join(stacks, "dev"));
    expect(() => readStackOutputs("dev", undefined, stacks)).toThrow(`stack "dev" is not synthesized in ${join(stacks, "dev")}`);
  });

  it("say when terraform cannot be run, and what to pass instead", async () => {
    const stacks = scratch();
    mkdirSync(join(stacks, "dev"));
    writeFileSync(join(stacks, "dev", "cdk.tf.json"), "{}");
    await withEnv({ PATH: stacks }, () =>
      expect(() => readStackOutputs("dev", undefined, stacks)).toThrow(
        /^cannot run terraform to read the outputs of "dev" \(spawnSync terraform ENOENT\); pass --outputs FILE instead$/,
      ),
    );
  });

  it("say, through the real terraform, that a stack with a remote backend was never initialized here", () => {
    const stacks = scratch();
    mkdirSync(join(stacks, "dev"));
    const backend = { terraform: { backend: { s3: { bucket: "b", key: "k", region: "us-east-1" } } }, output: { x: { value: "1" } } };
    writeFileSync(join(stacks, "dev", "cdk.tf.json"), JSON.stringify(backend));
    expect(() => readStackOutputs("dev", undefined, stacks)).toThrow(
      new OperatorError(terraformOutputFailure("dev", join(stacks, "dev"), "Backend initialization required")),
    );
  });

  it("say a stack was never applied from this folder, or quote terraform's error", () => {
    expect(terraformOutputFailure("dev", "/s/dev", "Error: Backend initialization required")).toBe(
      'stack "dev" was never applied from this folder (no initialized Terraform state in /s/dev): run cdktf deploy dev, or pass --outputs FILE',
    );
    expect(terraformOutputFailure("dev", "/s/dev", "│ Error: Unsupported argument\n")).toBe("terraform output failed in /s/dev: Error: Unsupported argument");
  });
});

describe("SQL files", () => {
  it("reads a table's columns in order from its DDL: a name and a type at the start of a line", () => {
    expect(tableColumns("CREATE TABLE t (\n  a VARCHAR(4) NOT NULL,\n  b integer,\n  -- c BIGINT\n  d DATE\n);")).toStrictEqual(["a", "b", "d"]);
    const fact = tableColumns(readFileSync(FACT_TABLE_SQL, "utf8"));
    expect([fact.length, fact.slice(0, 2), fact.slice(8, 10), fact.at(-1)]).toStrictEqual([
      14,
      ["carrier", "dep_airport"],
      ["arr_delay", "flight_date"],
      "loaded_at",
    ]);
  });

  it("fill placeholders and name an unknown one with the known ones", () => {
    expect(renderSql("COPY t FROM '{{bucket}}' IAM_ROLE '{{role}}'", { bucket: "s3://b", role: "r" }, "f.sql")).toBe("COPY t FROM 's3://b' IAM_ROLE 'r'");
    expect(() => renderSql("{{bucket}} {{nope}}", { bucket: "b", role: "r" }, "redshift/02.sql")).toThrow(
      "redshift/02.sql: unknown placeholder {{nope}} (known: bucket, role)",
    );
  });

  it("split at semicolons that end a line, trimmed, comment lines dropped", () => {
    const text = "-- header\nCREATE TABLE a (x int);  \n  -- note\nINSERT INTO a VALUES (1);\nSELECT ';' AS s; SELECT 2;\n\nSELECT 3 -- tail\n";
    expect(splitStatements(text)).toStrictEqual(["CREATE TABLE a (x int)", "INSERT INTO a VALUES (1)", "SELECT ';' AS s; SELECT 2", "SELECT 3 -- tail"]);
    expect(splitStatements("x -- y;\nz;")).toStrictEqual(["x -- y", "z"]);
  });

  it("merge sql/shared and sql/redshift by file number, .sql files only", () => {
    const dir = scratch();
    for (const sub of ["shared", "redshift"]) mkdirSync(join(dir, sub));
    writeFileSync(join(dir, "shared", "01_schema.sql"), "CREATE SCHEMA s;");
    writeFileSync(join(dir, "redshift", "02_copy.sql"), "COPY x FROM '{{bucket}}';\nANALYZE x;");
    writeFileSync(join(dir, "shared", "03_view.sql"), "CREATE VIEW v AS SELECT 1;");
    writeFileSync(join(dir, "redshift", "README.md"), "not SQL;");
    expect(warehouseSeedStatements({ bucket: "b" }, dir)).toStrictEqual([
      { file: "shared/01_schema.sql", sql: "CREATE SCHEMA s" },
      { file: "redshift/02_copy.sql", sql: "COPY x FROM 'b'" },
      { file: "redshift/02_copy.sql", sql: "ANALYZE x" },
      { file: "shared/03_view.sql", sql: "CREATE VIEW v AS SELECT 1" },
    ]);
  });
});

describe("upload contract and plan (no bucket)", () => {
  const prefixes = { airportCodes: "airport_codes/", dailyFlights: "daily_flights/" };

  it("accepts the airport file and one CSV per day folder; names what else is wrong", () => {
    expect(contractViolation("airport_codes/airport_codes.csv", prefixes)).toBeNull();
    expect(contractViolation("daily_flights/date=2001-01-15/a.csv", prefixes)).toBeNull();
    expect(contractViolation("x/daily_flights/date=2001-01-15/a.csv", prefixes)).toBe("not airport_codes/airport_codes.csv and not under daily_flights/");
    const layout = "daily flights must be daily_flights/date=YYYY-MM-DD/<name>.csv";
    expect(contractViolation("daily_flights/date=2001-01-15/a.csv.gz", prefixes)).toBe(layout);
    expect(contractViolation("daily_flights/x/date=2001-01-15/a.csv", prefixes)).toBe(layout);
    expect(contractViolation("daily_flights/date=2001-02-30/a.csv", prefixes)).toBe("2001-02-30 is not a real day");
    expect(contractViolation("daily_flights/date=2001-13-01/a.csv", prefixes)).toBe("2001-13-01 is not a real day");
  });

  it("lists a folder's files keyed like the bucket, sorted, and plans them without comparing when there is no client", async () => {
    const root = scratch();
    mkdirSync(join(root, "daily_flights", "date=2001-01-02"), { recursive: true });
    mkdirSync(join(root, "airport_codes"));
    writeFileSync(join(root, "daily_flights", "date=2001-01-02", "f.csv"), "a,b\n");
    writeFileSync(join(root, "airport_codes", "airport_codes.csv"), "id\n");
    writeFileSync(join(root, "notes.txt"), "x");
    symlinkSync(join(root, "notes.txt"), join(root, "zz-link.txt"));
    const files = listFiles(root);
    expect(files.map((f) => [f.key, f.bytes])).toStrictEqual([
      ["airport_codes/airport_codes.csv", 3],
      ["daily_flights/date=2001-01-02/f.csv", 4],
      ["notes.txt", 1],
    ]);
    // Sorted by whole key, not folder by folder: a file named like a folder plus "." comes before that folder's files.
    mkdirSync(join(root, "b", "c"), { recursive: true });
    writeFileSync(join(root, "b", "c", "z.csv"), "");
    writeFileSync(join(root, "b", "c.csv"), "");
    expect(
      listFiles(root)
        .map((f) => f.key)
        .filter((k) => k.startsWith("b/")),
    ).toStrictEqual(["b/c.csv", "b/c/z.csv"]);
    const plan = await planUploads(null, "b", files, prefixes);
    expect(plan.map((d) => d.action)).toStrictEqual(["upload", "upload", "refuse"]);
    expect(plan[0]).toMatchObject({ file: files[0], sha256: createHash("sha256").update("id\n").digest("hex") });
    expect(plan[2]).toStrictEqual({ file: files[2], action: "refuse", reason: "not airport_codes/airport_codes.csv and not under daily_flights/" });
  });

  it("refuses a file too large for one PutObject", async () => {
    const file = { path: "/dev/null", key: "daily_flights/date=2001-01-02/big.csv", bytes: 5 * 1024 ** 3 + 1 };
    expect(await planUploads(null, "b", [file], prefixes)).toStrictEqual([{ file, action: "refuse", reason: `larger than ${5 * 1024 ** 3} bytes` }]);
    const limit = { ...file, path: "/dev/null", bytes: 5 * 1024 ** 3 };
    expect((await planUploads(null, "b", [limit], prefixes))[0].action).toBe("upload");
  });
});

describe("tlsOnlyPolicy", () => {
  it("denies every S3 action on the bucket and its objects without TLS", () => {
    expect(tlsOnlyPolicy("team-state")).toStrictEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "TlsOnly",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: ["arn:aws:s3:::team-state", "arn:aws:s3:::team-state/*"],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
  });
});

describe("S3 answers the scripts handle (mock: aws-sdk-client-mock; moto answers only the usual ones)", () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());
  const client = () => new S3Client({ region: "us-east-1" });
  const failure = (name: string, status?: number) => Object.assign(new Error(name), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });

  it("uploads a file whose object is missing, however S3 says so; passes on any other error", async () => {
    const root = scratch();
    mkdirSync(join(root, "airport_codes"));
    writeFileSync(join(root, "airport_codes", "airport_codes.csv"), "id\n");
    const plan = () => planUploads(client(), "b", listFiles(root), { airportCodes: "airport_codes/", dailyFlights: "daily_flights/" });
    s3.on(HeadObjectCommand).rejects(failure("NotFound"));
    expect((await plan())[0].action).toBe("upload");
    s3.on(HeadObjectCommand).rejects(failure("NoSuchKey", 404));
    expect((await plan())[0].action).toBe("upload");
    s3.on(HeadObjectCommand).rejects(failure("Forbidden", 403));
    await expect(plan()).rejects.toThrow("Forbidden");
  });

  it("creates the state bucket with the region's location outside us-east-1 only", async () => {
    s3.on(HeadBucketCommand).rejects(new NotFound({ message: "not found", $metadata: {} }));
    s3.on(CreateBucketCommand).resolves({});
    expect(await ensureStateBucket(client(), "w", "eu-west-1")).toBe("created");
    expect(await ensureStateBucket(client(), "e", "us-east-1")).toBe("created");
    expect(s3.commandCalls(CreateBucketCommand).map((c) => c.args[0].input)).toStrictEqual([
      { Bucket: "w", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } },
      { Bucket: "e", CreateBucketConfiguration: undefined },
    ]);
  });

  it("takes a bucket made in between for one that existed, and passes on other errors without creating", async () => {
    s3.on(HeadBucketCommand).rejects(new NotFound({ message: "not found", $metadata: {} }));
    s3.on(CreateBucketCommand).rejects(new BucketAlreadyOwnedByYou({ message: "yours", $metadata: {} }));
    expect(await ensureStateBucket(client(), "b", "us-east-1")).toBe("existed");
    s3.on(CreateBucketCommand).rejects(failure("BucketAlreadyExists", 409));
    await expect(ensureStateBucket(client(), "b", "us-east-1")).rejects.toThrow("BucketAlreadyExists");
    s3.reset();
    s3.on(HeadBucketCommand).rejects(failure("Forbidden", 403));
    await expect(ensureStateBucket(client(), "b", "us-east-1")).rejects.toThrow("Forbidden");
    expect(s3.commandCalls(CreateBucketCommand)).toHaveLength(0);
  });

  const smokeTarget = () =>
    ({
      s3: client(),
      bucket: "b",
      prefixes: { dailyFlights: "daily_flights/", quarantine: "quarantine/", reports: "reports/" },
    }) as unknown as SmokeTarget;
  const body = (text: string) => ({ Body: { transformToString: async () => text } }) as never;

  it("smoke: reads the reasons of every page of a file's quarantine, on any run day, wherever its reason column is", async () => {
    const prefix = `quarantine/run_date=2026-12-01/source_id=${sourceId("k.csv")}/`;
    const other = `quarantine/run_date=2026-12-01/source_id=${sourceId("other.csv")}/0.csv`;
    s3.on(ListObjectsV2Command, { Prefix: "quarantine/", ContinuationToken: undefined }).resolves({
      Contents: [{ Key: `${prefix}0.csv` }, { Key: other }],
      NextContinuationToken: "t",
    });
    s3.on(ListObjectsV2Command, { Prefix: "quarantine/", ContinuationToken: "t" }).resolves({
      Contents: [{ Key: `${prefix}1.csv` }, { Key: `${prefix}2.csv` }, { Key: `${prefix}3.csv` }],
    });
    s3.on(GetObjectCommand, { Key: `${prefix}0.csv` }).resolves(body("reason,source_file\nR1,k.csv\n"));
    s3.on(GetObjectCommand, { Key: `${prefix}1.csv` }).resolves(body("source_file,line,reason\nk.csv,short\nk.csv,l,R2\n"));
    s3.on(GetObjectCommand, { Key: `${prefix}2.csv` }).resolves(body("source_file,line\nk.csv,no reason column\n"));
    s3.on(GetObjectCommand, { Key: `${prefix}3.csv` }).resolves(body("")); // an empty object: no header either
    // Strict: toEqual would let an undefined reason (a line read at index -1) through.
    expect(await quarantineReasons(smokeTarget(), "k.csv")).toStrictEqual({
      reasons: ["R1", "R2"],
      objects: [`${prefix}0.csv`, `${prefix}1.csv`, `${prefix}2.csv`, `${prefix}3.csv`],
    });
  });

  it("smoke: counts a report written up to a minute before the upload as this pass's", async () => {
    const since = new Date("2026-11-27T10:00:00Z");
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: "reports/runs/a.json", ETag: "1", LastModified: new Date(since.getTime() - 60_000) }] });
    s3.on(GetObjectCommand).resolves(body(JSON.stringify({ files: ["k.csv"] })));
    const found = await waitForReport(smokeTarget(), "k.csv", since, { timeoutMs: 0, pollMs: 1, sleep: async () => undefined });
    expect(found).toStrictEqual({ key: "reports/runs/a.json", report: { files: ["k.csv"] } });
  });
});
