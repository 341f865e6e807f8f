import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { EVENT_PATTERN_FILE, loadEventPattern, loadStateMachineDefinition, renderTemplate, STATE_MACHINE_FILE } from "../modules/asl-files";
import { ASL_VALIDATOR_CACHE_DIR, aslValidatorRuns, aslValidatorVerdict, forgetAcceptedDefinitions } from "../modules/asl-validator-check";
import { loadPipelineConfig } from "../modules/config/load";
import { ResourceNames } from "../modules/naming";
import { OrchestrationLayer } from "../modules/orchestration";
import { TriggerLayer } from "../modules/trigger";
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
  LeaseTableName: "lease",
  LeaseItemId: "pass",
  DataBucketName: "bucket",
  ReportsPrefix: "reports/",
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
    expect(JSON.parse(loadEventPattern(EVENT_PATTERN_FILE, { DataBucketName: "b", DailyFlightsPrefix: "daily_flights/" })).detail.object.key).toEqual([
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
    const definition = { StartAt: "Done", QueryLanguage: "JSONata", States: { Done: { Type: "Succeed", Comment: `cache test ${Math.random()}` } } };
    const version = JSON.parse(readFileSync(require.resolve("asl-validator/package.json"), "utf8")).version;
    const marker = join(
      ASL_VALIDATOR_CACHE_DIR,
      createHash("sha256")
        .update(`${version}\n${JSON.stringify(definition)}`)
        .digest("hex"),
    );
    try {
      expect(aslValidatorVerdict(definition)).toMatchObject({ isValid: true, fromCache: false });
      expect(existsSync(marker)).toBe(true);
      forgetAcceptedDefinitions();
      const before = aslValidatorRuns();
      expect(aslValidatorVerdict(definition)).toMatchObject({ isValid: true, fromCache: true });
      expect(aslValidatorRuns()).toBe(before);
    } finally {
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

  it("synth, npm run synth and cdktf.json start the app the same way, source maps off unless DEBUG", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8"));
    const cdktf = JSON.parse(readFileSync(join(__dirname, "..", "cdktf.json"), "utf8"));
    expect(cdktf.app).toBe(pkg.scripts.synth);
    expect(pkg.scripts.synth).toBe("node --import tsx --import ./scripts/lib/synth-preload.mjs main.ts");
    expect(readFileSync(join(__dirname, "..", "scripts", "lib", "synth-preload.mjs"), "utf8")).toMatch(
      /if \(!process\.env\.DEBUG\) process\.setSourceMapsEnabled\(false\);/,
    );
  });
});
