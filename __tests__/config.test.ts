import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, DEFAULT_CONFIG_FILE, isCdktfCliInCi, loadPipelineConfig, parsePipelineConfig, refuseLocalBackendInCi } from "../modules/config/load";
import { catalogEncryptionConflicts, longestPassSeconds, minimumSubnetPrefix } from "../modules/config/schema";
import { type Json, rawConfig, synth } from "./support/synth";

function errorFor(change: (raw: Json) => void): string {
  const raw = rawConfig();
  change(raw);
  try {
    parsePipelineConfig(raw, "environments.json");
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("config was accepted");
}

describe("pipeline config", () => {
  it("loads the project's file with dev and prod, defaults applied", () => {
    const config = loadPipelineConfig();
    expect(Object.keys(config.environments)).toStrictEqual(expect.arrayContaining(["dev", "prod"]));
    const dev = config.environments.dev;
    expect(dev.storage.prefixes).toStrictEqual({
      airportCodes: "airport_codes/",
      dailyFlights: "daily_flights/",
      glueScripts: "glue/scripts/",
      glueTemp: "glue/temp/",
      quarantine: "quarantine/",
      reports: "reports/",
      queryResults: "query-results/",
    });
    expect(dev.warehouse.schema).toBe("airlines");
    expect(dev.etl.depDelayThresholdMinutes).toBeNull();
    expect(dev.availabilityZones).toHaveLength(3);
  });

  it("sizes prod differently from dev", () => {
    const { dev, prod } = loadPipelineConfig().environments;
    expect(prod.etl.numberOfWorkers).toBeGreaterThan(dev.etl.numberOfWorkers);
    expect(prod.warehouse.baseCapacityRpu).toBeGreaterThan(dev.warehouse.baseCapacityRpu);
    expect(prod.storage.forceDestroy).toBe(false);
  });

  it.each([
    ["a worker count below Glue's minimum", (r: Json) => (r.environments.dev.etl.numberOfWorkers = 0), 'environment "dev", key "etl.numberOfWorkers": value 0'],
    ["a region that is not one", (r: Json) => (r.environments.prod.region = "mars-1"), 'environment "prod", key "region": value "mars-1"'],
    [
      "Flex on a worker type Glue does not offer it for",
      (r: Json) => Object.assign(r.environments.dev.etl, { workerType: "G.4X", flex: true }),
      'environment "dev", key "etl.flex": value true: flex needs workerType G.1X or G.2X',
    ],
    ["an RPU count that is not a multiple of 8", (r: Json) => (r.environments.dev.warehouse.baseCapacityRpu = 12), 'key "warehouse.baseCapacityRpu": value 12'],
    [
      "overlapping prefixes",
      (r: Json) => (r.environments.dev.storage.prefixes = { quarantine: "daily_flights/bad/" }),
      'key "storage.prefixes.dailyFlights": value (not set): "daily_flights/" overlaps prefix "quarantine" ("daily_flights/bad/")',
    ],
    ["a misspelt key", (r: Json) => (r.environments.dev.etl.workers = 3), 'key "environments.dev.etl.workers": unknown key'],
    ["a bad e-mail", (r: Json) => (r.environments.dev.notifications.emails = ["ops-at-example"]), 'key "notifications.emails.0": value "ops-at-example"'],
    ["only two AZs", (r: Json) => (r.environments.dev.availabilityZones = ["a", "b"]), "three Availability Zones"],
    ["a cloud backend without organization", (r: Json) => (r.backend = { type: "cloud" }), 'key "backend.organization": value (not set)'],
    [
      "a VPC whose subnets are too small for the workgroup",
      (r: Json) => Object.assign(r.environments.prod, { network: { vpcCidr: "10.41.0.0/22" }, warehouse: { baseCapacityRpu: 256 } }),
      'environment "prod", key "network.vpcCidr": value "10.41.0.0/22": its private subnets are /26; warehouse.baseCapacityRpu 256 needs subnets of at least /25',
    ],
    [
      "a VPC too small for 128 RPU",
      (r: Json) => Object.assign(r.environments.prod, { network: { vpcCidr: "10.41.0.0/23" }, warehouse: { baseCapacityRpu: 128 } }),
      "needs subnets of at least /26 (Redshift Serverless with enhanced VPC routing): use a VPC of /22 or larger",
    ],
    [
      "an AZ letter that does not exist",
      (r: Json) => (r.environments.dev.availabilityZones = ["a", "b", "g"]),
      "key \"availabilityZones.2\": value \"g\": must be an Availability Zone letter from 'a' to 'f'",
    ],
    [
      "a max capacity below the base",
      (r: Json) => (r.environments.prod.warehouse = { baseCapacityRpu: 32, maxCapacityRpu: 24 }),
      'environment "prod", key "warehouse.maxCapacityRpu": value 24: must be at least warehouse.baseCapacityRpu',
    ],
    [
      "the job working as the admin",
      (r: Json) => (r.environments.dev.warehouse = { etlUsername: "admin" }),
      'key "warehouse.etlUsername": value "admin": must differ from warehouse.adminUsername',
    ],
    [
      "an environment name with capitals",
      (r: Json) => (r.environments.Staging = r.environments.dev),
      'key "environments.Staging": environment names are 2-8 lower-case letters or digits',
    ],
  ])("rejects %s, naming environment, key and value", (_label, change, expected) => {
    expect(errorFor(change)).toContain(expected);
  });

  it.each([
    ["etl.numberOfWorkers", 1, 2, 299, 300],
    ["etl.timeoutMinutes", 0, 1, 2880, 2881],
    ["orchestration.crawlerPollSeconds", 4, 5, 300, 301],
    ["orchestration.jobStartMaxAttempts", 0, 1, 20, 21],
    ["trigger.retryAttempts", -1, 0, 185, 186],
    ["storage.glueTempExpirationDays", 0, 1, 365, 366],
    ["orchestration.timeoutSeconds", 599, 600, 31536000, 31536001],
    ["orchestration.settleSeconds", -1, 0, 900, 901],
    ["monitoring.quarantineRatioAlarm", -0.001, 0, 1, 1.001],
  ])("takes %s from %p (refused) / %p to %p / %p (refused)", (path, below, low, high, above) => {
    const [section, key] = path.split(".");
    // Room for any pass length, so that only the key under test decides (the shortest pass for the timeout itself).
    const roomy = (r: Json) => {
      const pass = { crawlerMaxPolls: 1, crawlerPollSeconds: 5, settleSeconds: 0 };
      r.environments.dev.orchestration = path === "orchestration.timeoutSeconds" ? pass : { timeoutSeconds: 31536000 };
      if (path === "orchestration.timeoutSeconds") r.environments.dev.etl.timeoutMinutes = 1;
    };
    const set = (v: number) => (r: Json) => {
      roomy(r);
      r.environments.dev[section] = { ...r.environments.dev[section], [key]: v };
    };
    for (const v of [below, above]) expect(errorFor(set(v))).toContain(`environment "dev", key "${path}": value ${v}`);
    for (const v of [low, high]) {
      const raw = rawConfig();
      set(v)(raw);
      expect((parsePipelineConfig(raw, "t").environments.dev as Json)[section][key]).toBe(v);
    }
  });

  it("refuses an execution timeout shorter than the longest pass, naming both figures", () => {
    const set = (timeoutSeconds: number) => (r: Json) => {
      r.environments.dev.orchestration = { timeoutSeconds, settleSeconds: 60, crawlerMaxPolls: 60, crawlerPollSeconds: 30 };
      r.environments.dev.etl.timeoutMinutes = 30;
    };
    // 60 + 60 x 30 + 30 x 60 + 300 = 3960 s
    expect(errorFor(set(3959))).toContain(`key "orchestration.timeoutSeconds": value 3959: 3959 s is shorter than one pass can take (3960 s`);
    const raw = rawConfig();
    set(3960)(raw);
    expect(parsePipelineConfig(raw, "t").environments.dev.orchestration.timeoutSeconds).toBe(3960);
    expect(longestPassSeconds(parsePipelineConfig(raw, "t").environments.dev)).toBe(3960);
  });

  it("accepts the smallest VPC the workgroup allows and the largest AZ letter", () => {
    const raw = rawConfig();
    Object.assign(raw.environments.dev, {
      availabilityZones: ["d", "e", "f"],
      network: { vpcCidr: "10.40.0.0/23" },
      warehouse: { baseCapacityRpu: 64, maxCapacityRpu: 64 },
    });
    const dev = parsePipelineConfig(raw, "t").environments.dev;
    expect(dev.warehouse).toMatchObject({ baseCapacityRpu: 64, maxCapacityRpu: 64, etlUsername: "glue_etl" });
  });

  it("names the file when it is not JSON", () => {
    const dir = mkdtempSync(join(tmpdir(), "config-"));
    const file = join(dir, "broken.json");
    writeFileSync(file, "{ not json");
    expect(() => loadPipelineConfig(file)).toThrow(new RegExp(`config ${file}: not valid JSON`));
  });
});

describe("account-wide settings are managed once", () => {
  const withCatalog = (dev: object, prod: object) => {
    const raw = JSON.parse(readFileSync(DEFAULT_CONFIG_FILE, "utf8"));
    Object.assign(raw.environments.dev, dev);
    Object.assign(raw.environments.prod, prod);
    return () => parsePipelineConfig(raw, "cfg.json");
  };
  const manage = { catalog: { manageCatalogEncryption: true } };

  it("refuses two environments of one region and no account ids that both manage catalog encryption", () => {
    expect(withCatalog(manage, manage)).toThrow(
      /environment "prod", key "catalog\.manageCatalogEncryption": .*both "dev" and "prod" manage the Data Catalog encryption of account \(same, no account set\) in us-east-1/,
    );
  });

  it("refuses them in one account, accepts them in two accounts or two regions, or when one lets go", () => {
    expect(withCatalog({ ...manage, account: "111122223333" }, { ...manage, account: "111122223333" })).toThrow(/of account 111122223333 in us-east-1/);
    expect(withCatalog({ ...manage, account: "111122223333" }, { ...manage })).toThrow(/both "dev" and "prod"/);
    expect(withCatalog({ ...manage, account: "111122223333" }, { ...manage, account: "000000000000" })).not.toThrow();
    expect(withCatalog({ ...manage, region: "eu-west-1" }, manage)).not.toThrow();
    expect(withCatalog({ catalog: { manageCatalogEncryption: false } }, manage)).not.toThrow();
  });

  it("checks the account id's form", () => {
    expect(withCatalog({ account: "12345" }, {})).toThrow(/environment "dev", key "account": value "12345": must be a 12-digit AWS account id/);
  });
});

describe("config rules at their edges (each one a mutant that once survived)", () => {
  const accepted = (change: (raw: Json) => void) => {
    const raw = rawConfig();
    change(raw);
    return parsePipelineConfig(raw, "environments.json");
  };

  it("names the file it cannot read or parse", () => {
    const dir = mkdtempSync(join(tmpdir(), "config-"));
    expect(() => loadPipelineConfig(join(dir, "missing.json"))).toThrow(new RegExp(`^config ${dir}/missing.json: cannot read: ENOENT`));
    writeFileSync(join(dir, "broken.json"), "{ nope");
    expect(() => loadPipelineConfig(join(dir, "broken.json"))).toThrow(new RegExp(`^config ${dir}/broken.json: not valid JSON: `));
  });

  it("lists every problem on its own line, naming environment and key, the whole environment, or the root", () => {
    expect(
      errorFor((r) => {
        r.environments.dev.etl.numberOfWorkers = "x";
        r.environments.prod.bogus = 1;
        r.environments.prod.bogus2 = 2;
      }),
    ).toMatch(
      /^config environments.json is invalid:\n {2}- environment "dev", key "etl.numberOfWorkers": value "x": Invalid input: expected number, received string\n {2}- key "environments.prod.bogus": unknown key \(known here: region, account, .*, notifications, queries\)\n {2}- key "environments.prod.bogus2": unknown key \(known here: region, .*\)$/,
    );
    expect(errorFor((r) => (r.environments.dev = null))).toContain(
      '- environment "dev", key "(whole environment)": value null: Invalid input: expected object',
    );
    expect(errorFor((r) => (r.environments = {}))).toContain('- key "environments": value {}: must define at least one environment');
    expect(errorFor((r) => (r.environments["X!"] = r.environments.dev))).toContain(
      '- key "environments.X!": environment names are 2-8 lower-case letters or digits',
    );
    expect(() => parsePipelineConfig(5, "c.json")).toThrow('- key "(root)": value 5: Invalid input: expected object, received number');
  });

  it.each([
    ["999.1.0.0/16", "999 is not an address byte (0 to 255)"],
    ["300.300.300.300/20", "300 is not an address byte (0 to 255)"],
    ["10.40.0.5/16", "has host bits set: the block is 10.40.0.0/16"],
    ["10.40.2.0/23", undefined],
    ["10.40.1.0/23", "has host bits set: the block is 10.40.0.0/23"],
    ["10.40.0.0/24", "must be from /16 to /23 (its subnets are 4 bits smaller, and Redshift needs at least /27)"],
    ["10.40.0.0/15", "must be from /16 to /23 (its subnets are 4 bits smaller, and Redshift needs at least /27)"],
    ["10.40.0/16", "must be an IPv4 CIDR block such as 10.40.0.0/16"],
  ])("network.vpcCidr %s: %s, in one line naming the key", (cidr, problem) => {
    const change = (r: Json) => {
      r.environments.dev.network.vpcCidr = cidr;
      r.environments.dev.warehouse.baseCapacityRpu = 8;
    };
    if (problem === undefined) expect(() => synth("dev", change)).not.toThrow();
    else expect(errorFor(change)).toBe(`config environments.json is invalid:\n  - environment "dev", key "network.vpcCidr": value "${cidr}": ${problem}`);
  });

  it("names an unknown key by its path at any depth, with the known key it was probably meant to be", () => {
    expect(errorFor((r) => (r.projet = "x"))).toBe('config environments.json is invalid:\n  - key "projet": unknown key; did you mean "project"?');
    expect(errorFor((r) => (r.environments.dev.wrokerType = 2))).toBe(
      'config environments.json is invalid:\n  - key "environments.dev.wrokerType": unknown key; did you mean "environments.dev.etl.workerType"?',
    );
    expect(errorFor((r) => (r.environments.dev.etl.numberOfWorker = 2))).toBe(
      'config environments.json is invalid:\n  - key "environments.dev.etl.numberOfWorker": unknown key; did you mean "environments.dev.etl.numberOfWorkers"?',
    );
    expect(errorFor((r) => (r.environments.dev.etl.zz = 2))).toMatch(/unknown key \(known here: glueVersion, workerType, numberOfWorkers, .*\)$/);
  });

  it("says where broken JSON breaks, by line and column", () => {
    const file = join(mkdtempSync(join(tmpdir(), "config-")), "broken.json");
    writeFileSync(file, '{\n  "project": "a",\n  "backend": {"type": "local"}\n  "environments": {}\n}\n');
    expect(() => loadPipelineConfig(file)).toThrow(`config ${file}: not valid JSON: Expected ',' or '}' after property value at line 4, column 3`);
  });

  it("says (not set) for a value whose parent object the file leaves out", () => {
    const message = errorFor((r) => {
      r.environments.qa = { ...structuredClone(r.environments.prod), network: { ...r.environments.prod.network, vpcCidr: "10.42.0.0/16" } };
    });
    expect(message).toContain('- environment "qa", key "catalog.manageCatalogEncryption": value (not set): both "prod" and "qa" manage');
  });

  it("accepts flex on both worker types that allow it", () => {
    for (const workerType of ["G.1X", "G.2X"])
      expect(accepted((r) => Object.assign(r.environments.dev.etl, { workerType, flex: true })).environments.dev.etl.flex).toBe(true);
  });

  it("refuses a repeated Availability Zone and a prefix nested in another whichever comes first", () => {
    expect(errorFor((r) => (r.environments.dev.availabilityZones = ["a", "a", "b"]))).toContain(
      'key "availabilityZones": value ["a","a","b"]: must not repeat a letter',
    );
    expect(errorFor((r) => (r.environments.dev.storage = { forceDestroy: true, prefixes: { dailyFlights: "in/flights/", quarantine: "in/" } }))).toContain(
      'key "storage.prefixes.dailyFlights": value "in/flights/": "in/flights/" overlaps prefix "quarantine" ("in/")',
    );
  });

  it("sizes the smallest subnet Redshift Serverless accepts at each capacity boundary", () => {
    expect([8, 64, 65, 128, 129, 256, 257, 512].map(minimumSubnetPrefix)).toStrictEqual([27, 27, 26, 26, 25, 25, 24, 24]);
  });

  it("sees two environments in one region and one explicit account as managing the same catalog encryption", () => {
    const env = (account?: string) => ({ region: "us-east-1", account, catalog: { manageCatalogEncryption: true } });
    expect(catalogEncryptionConflicts({ a: env("111122223333"), b: env("111122223333") })).toStrictEqual([["a", "b"]]);
    expect(catalogEncryptionConflicts({ a: env("111122223333"), b: env("000000000000") })).toStrictEqual([]);
    expect(catalogEncryptionConflicts({ a: env(), b: env("000000000000") })).toStrictEqual([["a", "b"]]);
  });
});

describe("deploying from CI", () => {
  it("is a cdktf CLI run with CI set to anything but false", () => {
    expect(isCdktfCliInCi({ CI: "true", CDKTF_CONTEXT_JSON: "{}" })).toBe(true);
    expect(isCdktfCliInCi({ CI: "1", CDKTF_CONTEXT_JSON: "{}" })).toBe(true);
    expect(isCdktfCliInCi({ CI: "false", CDKTF_CONTEXT_JSON: "{}" })).toBe(false);
    expect(isCdktfCliInCi({ CI: "", CDKTF_CONTEXT_JSON: "{}" })).toBe(false);
    expect(isCdktfCliInCi({ CI: "true" })).toBe(false);
    expect(isCdktfCliInCi({})).toBe(false);
  });

  it("refuses the local backend, whose state would go with the runner, and accepts shared state", () => {
    const config = loadPipelineConfig();
    expect(() => refuseLocalBackendInCi(config)).toThrow(
      /^the config: backend "local" cannot deploy from CI: the state would be lost with the runner and the next deploy would recreate every resource\. Set "backend" to \{"type": "s3", "bucket": \.\.\., "region": \.\.\.\} \(npm run bootstrap:state creates the bucket\) or \{"type": "cloud", "organization": \.\.\.\}: see scripts\/README\.md, "Where the state lives"$/,
    );
    expect(() => refuseLocalBackendInCi(config, "environments.json")).toThrow(ConfigError);
    expect(() => refuseLocalBackendInCi({ ...config, backend: { type: "s3", bucket: "b", region: "us-east-1" } } as never)).not.toThrow();
  });
});
