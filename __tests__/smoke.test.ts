import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  type Field,
  GetStatementResultCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { parseCsv, runSmoke, type SmokeTarget, sourceId } from "../scripts/lib/smoke";
import { MotoServer } from "./support/moto-server";

const BUCKET = "airline-ingest-dev-data-smoke-test";
const PREFIXES = { dailyFlights: "daily_flights/", quarantine: "quarantine/", reports: "reports/" };
/** Three airports as the dimension has them (BTS ids from the real file). */
const AIRPORTS = [
  ["10135", "Allentown/Bethlehem/Easton", "PA", "Lehigh Valley International"],
  ["10136", "Abilene", "TX", "Abilene Regional"],
  ["10140", "Albuquerque", "NM", "Albuquerque International Sunport"],
];
const REASONS = [
  "expected 5 fields, found 4",
  "Carrier is empty",
  "OriginAirportID 'abc' is not an integer",
  "DestAirportID 16219 is not in the airport dimension",
  "DepDelay '12.5' is not an integer",
];

type Pipeline = { rows: (good: string[][], day: string) => string[][]; reasons: string[] };
const field = (v: string | null): Field => (v === null ? { isNull: true } : { stringValue: v });

describe("npm run smoke against moto S3 and a mocked Redshift Data API (mock: aws-sdk-client-mock; a stand-in pipeline answers the upload)", () => {
  const moto = new MotoServer();
  const data = mockClient(RedshiftDataClient);
  let s3: S3Client;
  let target: SmokeTarget;

  beforeAll(async () => {
    await moto.start();
    s3 = new S3Client(moto.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    target = {
      s3,
      redshift: new RedshiftDataClient({ region: "us-east-1" }),
      bucket: BUCKET,
      prefixes: PREFIXES,
      warehouse: { workgroupName: "wg", database: "dev", secretArn: "arn:secret" },
      schema: "airlines",
    };
  }, 60000);
  afterAll(() => moto.stop());

  /** The Data API answers by SQL text; the stand-in pipeline, on the first wait, reads the uploaded file and writes report and quarantine. */
  let runs = 0;
  async function smoke(pipeline: Pipeline) {
    let table: string[][] = [];
    const runId = `jr_${++runs}`;
    data.reset();
    data.on(ExecuteStatementCommand).callsFake(({ Sql }) => ({ Id: Sql }));
    data.on(DescribeStatementCommand).resolves({ Status: "FINISHED" });
    data.on(BatchExecuteStatementCommand).resolves({ Id: "cleanup" });
    data.on(GetStatementResultCommand).callsFake(({ Id }: { Id: string }) => {
      if (Id.includes("max(airport_id)")) return { Records: [[{ longValue: 16219 }]] };
      if (Id.includes("FROM airlines.dim_airport_codes")) return { Records: AIRPORTS.map((a) => a.map(field)) };
      return { Records: table.map((r) => r.map((v) => field(v === "NULL" ? null : v))) };
    });
    let ran = false;
    const sleep = async () => {
      if (ran) return;
      ran = true;
      const [upload] = (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: PREFIXES.dailyFlights }))).Contents ?? [];
      const key = upload.Key!;
      const lines = (await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString()).split("\r\n").slice(1, -1);
      const good = lines.slice(0, 2).map((l) => l.split(","));
      table = pipeline.rows(good, /date=(\d{4}-\d{2}-\d{2})\//.exec(key)![1]);
      const quarantine = [
        "source_file,line,reason,flight_date,quarantined_at",
        ...pipeline.reasons.map((r, i) => `${key},"${lines[2 + i]}","${r}",2026-11-27,2026-11-27 10:00:00`),
      ].join("\n");
      if (pipeline.reasons.length)
        await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIXES.quarantine}source_id=${sourceId(key)}/part-00000.csv`, Body: quarantine }));
      const report = {
        files_processed: 1,
        files_ignored: 0,
        rows_in: 7,
        rows_loaded: table.length,
        rows_quarantined: pipeline.reasons.length,
        rows_filtered: 0,
        files: [key],
      };
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIXES.reports}runs/${runId}.json`, Body: JSON.stringify(report) }));
    };
    return runSmoke(target, { sleep, pollMs: 1, timeoutMs: 10 });
  }

  /** What a correct pass loads for the two good lines: both joins, NULL delays, the partition's date. */
  const joined = (good: string[][], day: string) =>
    good.map(([carrier, o, d, dep, arr]) => {
      const [from, to] = [AIRPORTS.find((a) => a[0] === o)!, AIRPORTS.find((a) => a[0] === d)!];
      return [carrier, from[3], to[3], from[1], to[1], from[2], to[2], dep || "NULL", arr || "NULL", day];
    });

  it("passes a correct load and cleans up after itself", async () => {
    const verdict = await smoke({ rows: joined, reasons: REASONS });
    expect(verdict.problems).toEqual([]);
    expect(verdict.line).toBe(
      "smoke PASSED: 2 rows loaded with their airports, 5 quarantined with their reasons, report reports/runs/jr_1.json agrees (cleaned up)",
    );
    const left = (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents?.map((o) => o.Key) ?? [];
    expect(left).toEqual(["reports/runs/jr_1.json"]);
    expect(data.commandCalls(BatchExecuteStatementCommand)[0].args[0].input.Sqls).toEqual([
      expect.stringMatching(/^DELETE FROM airlines\.daily_flights_processed WHERE source_file = 'daily_flights\/date=\d{4}-\d{2}-\d{2}\/smoke-\d+\.csv'$/),
    ]);
  });

  it("fails on a missing row", async () => {
    const verdict = await smoke({ rows: (good, day) => joined(good, day).slice(0, 1), reasons: REASONS });
    expect(verdict.ok).toBe(false);
    expect(verdict.line).toMatch(
      /^smoke FAILED \(2 problem\(s\).*missing or wrong row: expected SMK \| Abilene Regional \| Albuquerque International Sunport .*rows_loaded 1, expected 2/,
    );
  });

  it("fails on a wrong join (arrival city from the departure airport)", async () => {
    const verdict = await smoke({ rows: (good, day) => joined(good, day).map((r) => [...r.slice(0, 4), r[3], ...r.slice(5)]), reasons: REASONS });
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.filter((p) => p.startsWith("unexpected row"))).toHaveLength(2);
  });

  it("fails on an empty quarantine, naming every field no reason names", async () => {
    const verdict = await smoke({ rows: joined, reasons: [] });
    expect(verdict.ok).toBe(false);
    expect(verdict.problems).toEqual(
      expect.arrayContaining([
        "quarantine has 0 rows of the smoke file, expected 5",
        "no quarantine reason names Carrier (reasons: none)",
        "no quarantine reason names DepDelay (reasons: none)",
      ]),
    );
  });

  it("finds quarantine folders where the Glue job puts them (source ids computed by glue-jobs/flights_rules.py)", () => {
    expect(sourceId("daily_flights/date=2026-11-27/smoke-1764230400000.csv")).toBe("daily_flights_date_2026-11-27_smoke-1764230400000.csv-df2fe0379d");
    expect(sourceId("daily_flights/date=2001-01-14/o'hare flights.csv")).toBe("daily_flights_date_2001-01-14_o_hare_flights.csv-c2ea64b036");
    expect(sourceId(`daily_flights/${"x".repeat(100)}.csv`)).toBe(`${"x".repeat(76)}.csv-d9a34cd5eb`);
    expect(parseCsv('a,"b ""c"", d",e\r\nf,,g\n')).toEqual([
      ["a", 'b "c", d', "e"],
      ["f", "", "g"],
    ]);
  });
});
