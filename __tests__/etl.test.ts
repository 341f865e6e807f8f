import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadPipelineConfig } from "../modules/config/load";
import { GLUE_ENTRY_SCRIPT } from "../modules/etl";
import { bodies, grantsOf, only, ref, roleStatements, synth } from "./support/synth";

describe("EtlLayer", () => {
  const dev = synth("dev");
  const job = () => only(dev, "aws_glue_job");

  it("runs one bookmarked run at a time through the Redshift connection", () => {
    expect(job().default_arguments["--job-bookmark-option"]).toBe("job-bookmark-enable");
    expect(job().execution_property).toEqual({ max_concurrent_runs: 1 });
    expect(job().connections).toEqual([ref(dev, "aws_glue_connection", () => true, "name")]);
    expect(job().glue_version).toBe("5.0");
    expect(job().default_arguments["--TempDir"]).toMatch(/\/glue\/temp\/$/);
  });

  it("takes workers, Flex and timeout from each environment's config", () => {
    expect(job()).toMatchObject({ worker_type: "G.1X", number_of_workers: 2, execution_class: "FLEX", timeout: 30 });
    expect(only(synth("prod"), "aws_glue_job")).toMatchObject({ worker_type: "G.2X", number_of_workers: 10, execution_class: "STANDARD", timeout: 120 });
  });

  it("uploads the script from glue-jobs/ with a hash that follows its content", () => {
    const script = only(dev, "aws_s3_object", (o) => o.key === "glue/scripts/flights_ingest.py");
    expect(job().command.script_location).toMatch(/\/glue\/scripts\/flights_ingest\.py$/);
    expect(script.source).toMatch(/^assets\/.+\/flights_ingest\.py$/);
    expect(script.source_hash).toBe(createHash("md5").update(readFileSync(GLUE_ENTRY_SCRIPT)).digest("hex").toUpperCase());
    expect(
      bodies(dev, "aws_s3_object")
        .map((o) => o.key)
        .sort(),
    ).toEqual([
      "glue/scripts/flights_ingest.py",
      "glue/scripts/flights_jdbc.py",
      "glue/scripts/flights_load.py",
      "glue/scripts/flights_rules.py",
      "glue/scripts/flights_transform.py",
      "glue/scripts/merge_daily_flights.sql",
      "glue/scripts/stage_daily_flights.sql",
    ]);
    expect(
      job()
        .default_arguments["--extra-files"].split(",")
        .map((u: string) => u.replace(/^.*\//, "")),
    ).toEqual(["stage_daily_flights.sql", "merge_daily_flights.sql"]);
  });

  it("passes exactly the arguments the Glue script reads (Glue adds JOB_NAME and JOB_RUN_ID), with the config's prefixes", () => {
    const script = readFileSync(GLUE_ENTRY_SCRIPT, "utf8");
    const list = /^ARGUMENTS = \[([^\]]*)\]/m.exec(script)![1];
    const read = [...list.matchAll(/"(\w+)"/g)].map((m) => m[1]).filter((a) => !["JOB_NAME", "JOB_RUN_ID"].includes(a));
    const passed = Object.keys(job().default_arguments)
      .filter((k) => !/^--(job-|enable-|extra-|continuous-)/.test(k))
      .map((k) => k.slice(2));
    expect(passed.sort()).toEqual(read.sort());
    const { prefixes } = loadPipelineConfig().environments.dev.storage;
    expect(job().default_arguments).toMatchObject({
      "--daily_flights_prefix": prefixes.dailyFlights,
      "--quarantine_prefix": prefixes.quarantine,
      "--reports_prefix": prefixes.reports,
      "--dep_delay_threshold": "off",
    });
  });

  it("lets the job write only temp, quarantine and run reports, and read code and flights", () => {
    const statements = roleStatements(dev, "etl-flights-ingest");
    expect(grantsOf(statements, "s3:PutObject").map((r) => r.replace(/^.*\}\//, ""))).toEqual(["glue/temp/*", "quarantine/*", "reports/runs/*"]);
    expect(
      grantsOf(statements, "s3:GetObject")
        .map((r) => r.replace(/^.*\}\//, ""))
        .sort(),
    ).toEqual(["daily_flights/*", "glue/scripts/*", "glue/temp/*", "quarantine/*"]);
  });
});
