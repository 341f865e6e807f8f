import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TerraformStack, Testing } from "cdktf";
import {
  EVENT_PATTERN_FILE,
  jsonataExpressions,
  loadEventPattern,
  loadStateMachineDefinition,
  renderTemplate,
  STATE_MACHINE_FILE,
  validateEventPattern,
  validateStateMachine,
} from "../modules/asl-files";
import { ASL_VALIDATOR_CACHE_DIR, aslValidatorRuns, aslValidatorVerdict, forgetAcceptedDefinitions } from "../modules/asl-validator-check";
import { loadPipelineConfig } from "../modules/config/load";
import { ResourceNames } from "../modules/naming";
import { OrchestrationLayer } from "../modules/orchestration";
import { TriggerLayer } from "../modules/trigger";
import { withEnv } from "./support/env";
import type { Json } from "./support/synth";

const SUBSTITUTIONS = {
  Environment: "dev",
  S3CrawlerName: "crawler",
  GlueJobName: "job",
  TopicArn: "topic",
  CrawlerPollSeconds: 30,
  CrawlerMaxPolls: 60,
  JobStartMaxAttempts: 8,
  TimeoutSeconds: 7200,
  SettleSeconds: 60,
  LongestPassSeconds: 5700,
  FailedPassRetries: 2,
  RetryDelaySeconds: 600,
  LeaseTableName: "lease",
  LeaseItemId: "pass",
  DataBucketName: "bucket",
  RunReportsDayPrefix: "reports/runs/run_date=",
  MetricsNamespace: "airline-ingest/dev",
  Region: "us-east-1",
};
const dir = mkdtempSync(join(tmpdir(), "asl-"));

/** A copy of one of the project's asl/ files with one change. */
function brokenCopy(source: string, change: (json: Json) => void): string {
  const json = JSON.parse(readFileSync(source, "utf8"));
  change(json);
  const file = join(dir, `broken-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(json, null, 2));
  return file;
}

function synthOrchestration(definitionFile: string): void {
  const settings = loadPipelineConfig().environments.dev.orchestration;
  const stack = new TerraformStack(Testing.app(), "dev");
  new OrchestrationLayer(stack, "orchestration", {
    names: new ResourceNames("airline-ingest", "dev"),
    settings,
    kmsKeyArn: "k",
    crawler: { name: "c", arn: "ca" },
    job: { name: "j", arn: "ja" },
    topicArn: "t",
    aws: { partition: "aws", region: "us-east-1", accountId: "a" },
    bucket: { name: "b", arn: "ba", reportsPrefix: "reports/" },
    longestPassSeconds: 5700,
    definitionFile,
  });
}

describe("asl/ files are validated when the app synthesizes", () => {
  it("fails synth on a transition to an unknown state, naming file and state", () => {
    const file = brokenCopy(STATE_MACHINE_FILE, (d) => (d.States.StartJob.Next = "NotifySucess"));
    expect(() => synthOrchestration(file)).toThrow(/broken-.*\.json: state "StartJob": goes to "NotifySucess", which is not a state/);
  });

  it("fails synth on JSONata that does not parse, naming file, state and field", () => {
    const file = brokenCopy(STATE_MACHINE_FILE, (d) => (d.States.GetCrawler.Assign.polls = "{% $polls + %}"));
    expect(() => synthOrchestration(file)).toThrow(/state "GetCrawler" \(States\.GetCrawler\.Assign\.polls\): bad JSONata "\$polls \+"/);
  });

  it("fails synth on what asl-validator rejects, naming the state", () => {
    const file = brokenCopy(STATE_MACHINE_FILE, (d) => delete d.States.StartJob.Resource);
    expect(() => loadStateMachineDefinition(file, SUBSTITUTIONS)).toThrow(/state "StartJob" \(\/States\/StartJob\): asl-validator: /);
  });

  it("names an unknown or unused placeholder", () => {
    const typo = brokenCopy(STATE_MACHINE_FILE, (d) => (d.States.StartJob.Arguments.JobName = "{{GlueJobNme}}"));
    expect(() => loadStateMachineDefinition(typo, SUBSTITUTIONS)).toThrow(/States\.StartJob\.Arguments\.JobName: unknown placeholder \{\{GlueJobNme\}\}/);
    expect(() => loadStateMachineDefinition(STATE_MACHINE_FILE, { ...SUBSTITUTIONS, Extra: "x" })).toThrow(/never uses the placeholder\(s\) \{\{Extra\}\}/);
  });

  it("keeps Terraform from interpolating anything but the substituted references", () => {
    const file = brokenCopy(STATE_MACHINE_FILE, (d) => (d.Comment = "costs ${5} %{x}"));
    expect(JSON.parse(loadStateMachineDefinition(file, SUBSTITUTIONS)).Comment).toBe("costs $${5} %%{x}");
  });

  it("accepts the project's own files", () => {
    expect(JSON.parse(loadStateMachineDefinition(STATE_MACHINE_FILE, SUBSTITUTIONS)).States.WaitForCrawler.Seconds).toBe(30);
    expect(JSON.parse(loadEventPattern(EVENT_PATTERN_FILE, { DataBucketName: "b", DailyFlightsPrefix: "daily_flights/" })).detail.object.key).toStrictEqual([
      { wildcard: "daily_flights/*.csv" },
    ]);
  });

  it.each([
    [
      "an operator EventBridge does not have",
      (p: Json) => (p.detail.object.key = [{ wildcards: "{{DailyFlightsPrefix}}*.csv" }]),
      /detail\.object\.key\[0\]: unknown EventBridge operator "wildcards"/,
    ],
    ["a leaf that is not an array", (p: Json) => (p.source = "aws.s3"), /source: must be an object whose leaves are arrays/],
    ["an empty array", (p: Json) => (p["detail-type"] = []), /detail-type: an empty array matches nothing/],
  ])("fails synth on an event pattern with %s, naming file and path", (_label, change, message) => {
    const file = brokenCopy(EVENT_PATTERN_FILE, change);
    const stack = new TerraformStack(Testing.app(), "dev");
    const settings = loadPipelineConfig().environments.dev.trigger;
    expect(
      () =>
        new TriggerLayer(stack, "trigger", {
          names: new ResourceNames("airline-ingest", "dev"),
          settings,
          kmsKeyArn: "k",
          bucketName: "b",
          dailyFlightsPrefix: "daily_flights/",
          stateMachineArn: "sm",
          patternFile: file,
        }),
    ).toThrow(message);
  });

  it("says which file is not JSON", () => {
    const file = join(dir, "not-json.json");
    writeFileSync(file, "{ States: ");
    expect(() => renderTemplate(file, {})).toThrow(/not-json\.json: file: is not valid JSON/);
  });
});

/** A definition never validated before, and the file its acceptance is kept in: sha256(validator version + text). */
function freshDefinition(label: string) {
  const definition = { StartAt: "Done", QueryLanguage: "JSONata", States: { Done: { Type: "Succeed", Comment: `${label} ${Math.random()}` } } };
  const version = JSON.parse(readFileSync(require.resolve("asl-validator/package.json"), "utf8")).version;
  const marker = join(
    ASL_VALIDATOR_CACHE_DIR,
    createHash("sha256")
      .update(`${version}\n${JSON.stringify(definition)}`)
      .digest("hex"),
  );
  return { definition, marker };
}

describe("asl-validator runs once per template, not once per stack", () => {
  const stackSubstitutions = (environment: string) => ({ ...SUBSTITUTIONS, Environment: environment, GlueJobName: `\${TfToken[TOKEN.${environment.length}]}` });

  beforeEach(() => forgetAcceptedDefinitions());

  it("validates the template once for two stacks whose references differ", () => {
    process.env.ASL_VALIDATOR_CACHE = "off";
    try {
      const before = aslValidatorRuns();
      loadStateMachineDefinition(STATE_MACHINE_FILE, stackSubstitutions("dev"));
      loadStateMachineDefinition(STATE_MACHINE_FILE, stackSubstitutions("prod"));
      expect(aslValidatorRuns() - before).toBe(1);
      // Config numbers are part of what is validated: another value is another validation.
      loadStateMachineDefinition(STATE_MACHINE_FILE, { ...stackSubstitutions("dev"), CrawlerMaxPolls: 61 });
      expect(aslValidatorRuns() - before).toBe(2);
    } finally {
      delete process.env.ASL_VALIDATOR_CACHE;
    }
  });

  it("keeps an acceptance on disk under sha256(validator version + definition), and reuses it in a new process", () => {
    const { definition, marker } = freshDefinition("cache test");
    try {
      expect(aslValidatorVerdict(definition)).toMatchObject({ isValid: true, fromCache: false });
      expect(readFileSync(marker, "utf8")).toBe("");
      forgetAcceptedDefinitions();
      const before = aslValidatorRuns();
      expect(aslValidatorVerdict(definition)).toMatchObject({ isValid: true, fromCache: true });
      expect(aslValidatorRuns()).toBe(before);
    } finally {
      rmSync(marker, { force: true });
    }
  });

  it("keeps its verdicts where ASL_VALIDATOR_CACHE_DIR says (the mutation runs' own folder), node_modules/.cache otherwise", () => {
    expect(ASL_VALIDATOR_CACHE_DIR).toBe(process.env.ASL_VALIDATOR_CACHE_DIR || join(__dirname, "..", "node_modules", ".cache", "asl-validator"));
    withEnv({ ASL_VALIDATOR_CACHE_DIR: join(dir, "verdicts") }, () =>
      jest.isolateModules(() => expect(require("../modules/asl-validator-check").ASL_VALIDATOR_CACHE_DIR).toBe(join(dir, "verdicts"))),
    );
    // Unset (mutation runs set it, so the default is checked here whatever this process was given).
    withEnv({ ASL_VALIDATOR_CACHE_DIR: undefined }, () =>
      jest.isolateModules(() =>
        expect(require("../modules/asl-validator-check").ASL_VALIDATOR_CACHE_DIR).toBe(join(__dirname, "..", "node_modules", ".cache", "asl-validator")),
      ),
    );
  });

  it("answers a definition accepted in this process from memory, and writes no marker when the file cache is off", () => {
    const { definition, marker } = freshDefinition("memory test");
    process.env.ASL_VALIDATOR_CACHE = "off";
    try {
      expect(aslValidatorVerdict(definition)).toMatchObject({ isValid: true, fromCache: false });
      expect(existsSync(marker)).toBe(false);
      expect(aslValidatorVerdict(definition)).toStrictEqual({ isValid: true, errors: [], fromCache: true });
    } finally {
      delete process.env.ASL_VALIDATOR_CACHE;
      rmSync(marker, { force: true });
    }
  });

  it("never keeps a rejection: the same bad definition is validated, and rejected, every time", () => {
    const bad = { StartAt: "Done", States: { Done: { Type: "Succeed", Next: "Nowhere" } } };
    const before = aslValidatorRuns();
    expect(aslValidatorVerdict(bad).isValid).toBe(false);
    expect(aslValidatorVerdict(bad)).toMatchObject({ isValid: false, fromCache: false });
    expect(aslValidatorRuns() - before).toBe(2);
  });

  const SYNTH_PRELOAD = join(__dirname, "..", "scripts", "lib", "synth-preload.cjs");

  it("synth, npm run synth and cdktf.json start the app the same way, source maps off unless DEBUG", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8"));
    const cdktf = JSON.parse(readFileSync(join(__dirname, "..", "cdktf.json"), "utf8"));
    expect(cdktf.app).toBe(pkg.scripts.synth);
    expect(pkg.scripts.synth).toBe("node --require ./scripts/lib/synth-preload.cjs main.ts");
    expect(readFileSync(SYNTH_PRELOAD, "utf8")).toMatch(/if \(!process\.env\.DEBUG\) process\.setSourceMapsEnabled\(false\);/);
  });

  it("the synth launcher hands the project's files to tsx and leaves node_modules to Node", () => {
    // The same import/export syntax in a .js file of the project and of a CommonJS dependency: tsx rewrites the
    // first to CommonJS (a plain exports object); Node loads the second itself, as an ES module (Node 20.19+) or,
    // on an older Node, refusing it. Either way tsx never touched it.
    const app = mkdtempSync(join(tmpdir(), "synth-launcher-"));
    mkdirSync(join(app, "node_modules", "dep"), { recursive: true });
    writeFileSync(join(app, "node_modules", "dep", "package.json"), JSON.stringify({ name: "dep", main: "index.js" }));
    writeFileSync(join(app, "node_modules", "dep", "index.js"), "export const from = 'dependency';\n");
    writeFileSync(join(app, "own.js"), "export const from = 'project';\n");
    const kindOf = (m: string) =>
      `try { const e = require(${JSON.stringify(m)}); console.log(e[Symbol.toStringTag] ?? "tsx", e.from) } catch (e) { console.log(e.name) }`;
    const r = spawnSync(process.execPath, ["--require", SYNTH_PRELOAD, "-e", `${kindOf("./own.js")}; ${kindOf("dep")}`], { cwd: app, encoding: "utf8" });
    rmSync(app, { recursive: true, force: true });
    expect(r.stderr).toBe("");
    const [own, dep] = r.stdout.trim().split("\n");
    expect(own).toBe("tsx project");
    expect(["Module dependency", "SyntaxError"]).toContain(dep);
  });
});

describe("the messages of a bad asl/ file, word for word", () => {
  /** A template file of its own with the given JSON. */
  function template(json: unknown): string {
    const file = join(dir, `t-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(json));
    return file;
  }
  const messageOf = (run: () => unknown) => {
    try {
      run();
    } catch (e) {
      return (e as Error).message.replace(/^t-\w+\.json: /, "");
    }
    throw new Error("no error");
  };

  it("names a placeholder's path (arrays by index) and the known ones", () => {
    expect(messageOf(() => renderTemplate(template({ a: [{ b: "x {{Nope}}" }] }), { Known: 1, Other: "o" }))).toBe(
      "a[0].b: unknown placeholder {{Nope}} (known: Known, Other)",
    );
  });

  it("lists every placeholder a template never uses", () => {
    expect(messageOf(() => renderTemplate(template({ a: "{{A}}" }), { A: "a", B: "b", C: 3 }))).toBe("file: never uses the placeholder(s) {{B}}, {{C}}");
  });

  it("names the state, the missing target and the states there are, for Next, Default, Choices and Catch", () => {
    const definition = (state: Record<string, unknown>) => ({ StartAt: "A", States: { A: state, Done: { Type: "Succeed" } } });
    for (const state of [
      { Type: "Pass", Next: "Nope" },
      { Type: "Choice", Choices: [{ Condition: "{% true %}", Next: "Nope" }], Default: "Done" },
      { Type: "Choice", Choices: [{ Condition: "{% true %}", Next: "Done" }], Default: "Nope" },
      { Type: "Task", Resource: "arn:aws:states:::glue:startJobRun", End: true, Catch: [{ ErrorEquals: ["States.ALL"], Next: "Nope" }] },
    ]) {
      expect(messageOf(() => validateStateMachine(join(dir, "t-sm.json"), definition(state)))).toBe(
        'state "A": goes to "Nope", which is not a state (states: A, Done)',
      );
    }
  });

  it("gives every asl-validator message and the state of the first", () => {
    const definition = { StartAt: "Done", QueryLanguage: "JSONata", States: { Done: { Type: "Succeed", Next: "Done" } } };
    expect(messageOf(() => validateStateMachine(join(dir, "t-sm.json"), definition))).toBe(
      'state "Done" (/States/Done/QueryLanguage): asl-validator: /States/Done/QueryLanguage is invalid. must be equal to one of the allowed values; ' +
        "/States/Done/Type is invalid. must be equal to one of the allowed values",
    );
    const outsideStates = { StartAt: "Done", QueryLanguage: "JSONata", States: { Done: { Type: "Succeed" } }, Extra: 1 };
    expect(messageOf(() => validateStateMachine(join(dir, "t-sm.json"), outsideStates))).toBe(
      "definition: asl-validator:  is invalid. must NOT have additional properties",
    );
  });

  it("finds JSONata expressions by path, arrays by index", () => {
    expect(jsonataExpressions({ a: [{ b: "{% $x + 1 %}" }, "plain"], c: "{%$y%}" })).toStrictEqual([
      { path: "a[0].b", expression: " $x + 1 " },
      { path: "c", expression: "$y" },
    ]);
  });

  it.each([
    ["a pattern that is not an object", ["x"], "pattern: must be an object whose leaves are arrays of values or matchers"],
    ["an $or of one pattern", { $or: [{ source: ["a"] }] }, "$or: $or takes an array of at least two patterns"],
    ["an $or that is not an array", { $or: { source: ["a"] } }, "$or: $or takes an array of at least two patterns"],
    [
      "a bad pattern inside an $or",
      { $or: [{ source: ["a"] }, { source: "b" }] },
      "$or[1].source: must be an object whose leaves are arrays of values or matchers",
    ],
    ["a matcher that is an array", { source: [["a"]] }, 'source[0]: ["a"] is neither a value nor a matcher'],
    [
      "a matcher with two operators",
      { source: [{ prefix: "a", suffix: "b" }] },
      'source[0]: unknown EventBridge operator "prefix,suffix" (allowed: prefix, suffix, anything-but, numeric, exists, cidr, equals-ignore-case, wildcard)',
    ],
  ])("refuses %s, naming the path", (_label, pattern, message) => {
    expect(messageOf(() => validateEventPattern(join(dir, "t-p.json"), pattern, ""))).toBe(message);
  });

  it("accepts values of every JSON type, every operator and an $or of two", () => {
    expect(() =>
      validateEventPattern("p.json", { $or: [{ a: ["s", 1, true, null] }, { b: [{ prefix: "x" }, { numeric: [">", 0] }, { exists: true }] }] }, ""),
    ).not.toThrow();
    const file = template({ detail: { object: { key: [{ prefix: "{{P}}" }] } } });
    expect(JSON.parse(loadEventPattern(file, { P: "daily/" }))).toStrictEqual({ detail: { object: { key: [{ prefix: "daily/" }] } } });
    expect(messageOf(() => loadEventPattern(template({ detail: "x" }), {}))).toBe("detail: must be an object whose leaves are arrays of values or matchers");
  });
});
