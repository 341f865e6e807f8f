import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  type Field,
  GetStatementResultCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { CreateBucketCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { compare, parseCsv, runSmoke, type SmokeOptions, type SmokeTarget, smokeFile, sourceId } from "../scripts/lib/smoke";
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
  async function smoke(pipeline: Pipeline, options: SmokeOptions = {}) {
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
        await s3.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: `${PREFIXES.quarantine}run_date=2026-11-27/source_id=${sourceId(key)}/part-00000.csv`,
            Body: quarantine,
          }),
        );
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
    return runSmoke(target, { sleep, pollMs: 1, timeoutMs: 10, ...options });
  }

  /** What a correct pass loads for the two good lines: both joins, NULL delays, the partition's date. */
  const joined = (good: string[][], day: string) =>
    good.map(([carrier, o, d, dep, arr]) => {
      const [from, to] = [AIRPORTS.find((a) => a[0] === o)!, AIRPORTS.find((a) => a[0] === d)!];
      return [carrier, from[3], to[3], from[1], to[1], from[2], to[2], dep || "NULL", arr || "NULL", day];
    });

  it("passes a correct load and cleans up after itself", async () => {
    const verdict = await smoke({ rows: joined, reasons: REASONS });
    expect(verdict.problems).toStrictEqual([]);
    expect(verdict.line).toBe(
      "smoke PASSED: 2 rows loaded with their airports, 5 quarantined with their reasons, report reports/runs/jr_1.json agrees (cleaned up)",
    );
    const left = (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents?.map((o) => o.Key) ?? [];
    expect(left).toStrictEqual(["reports/runs/jr_1.json"]);
    expect(data.commandCalls(BatchExecuteStatementCommand)[0].args[0].input.Sqls).toStrictEqual([
      expect.stringMatching(/^DELETE FROM airlines\.daily_flights_processed WHERE source_file = 'daily_flights\/date=\d{4}-\d{2}-\d{2}\/smoke-\d+\.csv'$/),
    ]);
  });

  it("with keep, leaves the file and its quarantine in the bucket and the rows in the table, and says where", async () => {
    const logged: string[] = [];
    const verdict = await smoke({ rows: joined, reasons: REASONS }, { keep: true, log: (l) => logged.push(l) });
    expect(verdict.ok).toBe(true);
    const left = (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents?.map((o) => o.Key!) ?? [];
    const key = left.find((k) => k.startsWith("daily_flights/"))!;
    expect(verdict.line).toMatch(new RegExp(`agrees \\(kept: s3://${BUCKET}/${key.replace(/[.]/g, "\\.")}\\)$`));
    expect(left.filter((k) => k.startsWith("quarantine/"))).toStrictEqual([`quarantine/run_date=2026-11-27/source_id=${sourceId(key)}/part-00000.csv`]);
    expect(logged).toStrictEqual([`uploaded s3://${BUCKET}/${key}; waiting for the pass that loads it ...`]);
    expect(data.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
    const head = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head.ContentType).toBe("text/csv");
    expect(data.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input.Sql)).toContain(
      `SELECT carrier, dep_airport, arr_airport, dep_city, arr_city, dep_state, arr_state, dep_delay, arr_delay, flight_date FROM airlines.daily_flights_processed WHERE source_file = '${key}'`,
    );
    await s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: left.filter((k) => !k.startsWith("reports/")).map((Key) => ({ Key })) } }));
  });

  it("says the dimension is not seeded when it has fewer than three airports, and uploads nothing", async () => {
    data.reset();
    data.on(ExecuteStatementCommand).resolves({ Id: "q" });
    data.on(DescribeStatementCommand).resolves({ Status: "FINISHED" });
    data.on(GetStatementResultCommand).resolves({ Records: AIRPORTS.slice(0, 2).map((a) => a.map(field)) });
    expect(await runSmoke(target, { sleep: async () => undefined })).toStrictEqual({
      ok: false,
      line: "smoke FAILED: airlines.dim_airport_codes has 2 airports (run npm run seed:warehouse first)",
      problems: [],
    });
    expect((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "daily_flights/" }))).Contents ?? []).toStrictEqual([]);
  });

  it.each([
    { options: { pollMs: 60_000, timeoutMs: 120_000 }, after: "2 min" },
    { options: { pollMs: 15 * 60_000, timeoutMs: undefined }, after: "30 min" }, // the default timeout (undefined: not the helper's 10 ms)
  ])("gives up when no report names the file, polling until the timeout ($after); reports from before the upload do not count", async ({ options, after }) => {
    let sleeps = 0;
    const later = new Date(Date.now() + 5 * 60_000); // every report in the bucket is older than this upload
    const key = `daily_flights/date=${later.toISOString().slice(0, 10)}/smoke-${later.getTime()}.csv`;
    const stale = JSON.stringify({ files: [key], rows_loaded: 2, rows_quarantined: 5 });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "reports/runs/stale.json", Body: stale }));
    const error = await smoke({ rows: joined, reasons: REASONS }, { now: () => later, ...options, sleep: async () => void sleeps++ }).catch((e) => e);
    expect(error.message).toMatch(
      new RegExp(`^no run report under s3://${BUCKET}/reports/runs/ names daily_flights/date=\\S+\\.csv after ${after}: did the upload start the pipeline\\?`),
    );
    expect(sleeps).toBe(2);
    const left = (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "daily_flights/" }))).Contents ?? [];
    await s3.send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [...left.map((o) => ({ Key: o.Key })), { Key: "reports/runs/stale.json" }] } }),
    );
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
    expect(verdict.problems).toStrictEqual(
      expect.arrayContaining([
        "quarantine has 0 rows of the smoke file, expected 5",
        "no quarantine reason names Carrier (reasons: none)",
        "no quarantine reason names DepDelay (reasons: none)",
      ]),
    );
    expect(verdict.line).toContain("): quarantine has 0 rows of the smoke file, expected 5; no quarantine reason names fields (reasons: none); ");
  });

  it("finds quarantine folders where the Glue job puts them (source ids computed by glue-jobs/flights_rules.py)", () => {
    expect(sourceId("daily_flights/date=2026-11-27/smoke-1764230400000.csv")).toBe("daily_flights_date_2026-11-27_smoke-1764230400000.csv-df2fe0379d");
    expect(sourceId("daily_flights/date=2001-01-14/o'hare flights.csv")).toBe("daily_flights_date_2001-01-14_o_hare_flights.csv-c2ea64b036");
    expect(sourceId(`daily_flights/${"x".repeat(100)}.csv`)).toBe(`${"x".repeat(76)}.csv-d9a34cd5eb`);
    expect(parseCsv('a,"b ""c"", d",e\r\nf,,g\n')).toStrictEqual([
      ["a", 'b "c", d', "e"],
      ["f", "", "g"],
    ]);
  });
  it("squeezes runs of unsafe characters and trims underscores at both ends, as source_id() does", () => {
    expect(sourceId("//daily  flights//x  y.csv##")).toBe("daily_flights_x_y.csv-0599a4d6e0");
    expect(sourceId("__a__b__")).toBe("a__b-d261c0b4a4");
  });
});

describe("the smoke file and its check, in process", () => {
  const airports = [
    { id: "10", city: "Abilene, TX", state: "TX", name: "Abilene Regional" },
    { id: "20", city: "Albuquerque, NM", state: "NM", name: "Sunport" },
    { id: "30", city: "Austin, TX", state: "TX", name: "Bergstrom" },
  ];
  // Made inside each test (a value made at describe level counts as covered by no test in mutation runs).
  const make = () => smokeFile("daily_flights/date=2026-11-27/smoke-1.csv", "2026-11-27", airports, "31");
  const rows = () => make().rows.map((r) => [...r]);
  const reasons = ["wrong number of fields", "Carrier is empty", "OriginAirportID: abc", "DestAirportID 31 unknown", "DepDelay 12.5"];
  const report = (files: string[], loaded: number, quarantined: number) => ({ files, rows_loaded: loaded, rows_quarantined: quarantined });
  const alone = report(["k"], 2, 5);

  it("writes two good rows and one row of each bad kind, CRLF", () => {
    expect(make().text).toBe(
      [
        "Carrier,OriginAirportID,DestAirportID,DepDelay,ArrDelay",
        "SMK,10,20,5,-3",
        "SMK,20,30,,",
        "SMK,10,20,1",
        ",10,20,1,1",
        "SMK,abc,20,1,1",
        "SMK,10,31,1,1",
        "SMK,10,20,12.5,1",
        "",
      ].join("\r\n"),
    );
    expect(make().badFields).toStrictEqual(["fields", "Carrier", "OriginAirportID", "DestAirportID", "DepDelay"]);
    expect(make().rows[1]).toStrictEqual(["SMK", "Sunport", "Bergstrom", "Albuquerque, NM", "Austin, TX", "NM", "TX", null, null, "2026-11-27"]);
  });

  it("lists missing rows in sorted order, whatever order the airports give them", () => {
    const reversed = [
      { id: "10", city: "Zuni, NM", state: "NM", name: "Zephyr" },
      { id: "20", city: "Abilene, TX", state: "TX", name: "Apex" },
      { id: "30", city: "Austin, TX", state: "TX", name: "Bergstrom" },
    ];
    const missing = compare(smokeFile("daily_flights/date=2026-11-27/smoke-1.csv", "2026-11-27", reversed, "31"), [], reasons, alone).slice(0, 2);
    expect(missing.map((p) => p.split(" | ")[1])).toStrictEqual(["Apex", "Zephyr"]);
  });

  it("finds nothing wrong in a correct load, in any row order", () => {
    expect(compare(make(), rows().reverse(), reasons, alone)).toStrictEqual([]);
  });

  it("names a missing row and what the table has, or that it has none", () => {
    expect(compare(make(), rows().slice(1), reasons, report(["k"], 1, 5))).toStrictEqual([
      "missing or wrong row: expected SMK | Abilene Regional | Sunport | Abilene, TX | Albuquerque, NM | TX | NM | 5 | -3 | 2026-11-27; table has SMK | Sunport | Bergstrom | Albuquerque, NM | Austin, TX | NM | TX | NULL | NULL | 2026-11-27",
      "run report says rows_loaded 1, expected 2",
    ]);
    expect(compare(make(), [], reasons, alone)[0]).toMatch(/; table has no row of the smoke file$/);
    const wrong = rows().map((r) => [...r.slice(0, 9), "2026-11-26"]);
    expect(compare(make(), [wrong[1], wrong[0]], reasons, alone).slice(0, 1)).toStrictEqual([
      `missing or wrong row: expected SMK | Abilene Regional | Sunport | Abilene, TX | Albuquerque, NM | TX | NM | 5 | -3 | 2026-11-27; table has ${[wrong[0], wrong[1]].map((r) => r.map((v) => v ?? "NULL").join(" | ")).join(" ; ")}`,
    ]);
  });

  it("counts the quarantine and names each field no reason names", () => {
    expect(compare(make(), rows(), reasons.slice(1), report(["k"], 2, 4))).toStrictEqual([
      "quarantine has 4 rows of the smoke file, expected 5",
      "no quarantine reason names fields (reasons: Carrier is empty ; OriginAirportID: abc ; DestAirportID 31 unknown ; DepDelay 12.5)",
      "run report says rows_quarantined 4, expected 5",
    ]);
  });

  it("holds a pass of this file alone to exact counts, a pass of several files to at least these", () => {
    expect(compare(make(), rows(), reasons, report(["k"], 3, 6))).toStrictEqual([
      "run report says rows_loaded 3, expected 2",
      "run report says rows_quarantined 6, expected 5",
    ]);
    expect(compare(make(), rows(), reasons, report(["k", "other"], 3, 6))).toStrictEqual([]);
    expect(compare(make(), rows(), reasons, report(["k", "other"], 2, 5))).toStrictEqual([]);
    expect(compare(make(), rows(), reasons, report(["k", "other"], 1, 4))).toStrictEqual([
      "run report says rows_loaded 1, expected at least 2",
      "run report says rows_quarantined 4, expected at least 5",
    ]);
    expect(compare(make(), rows(), reasons, { files: "k", rows_loaded: 3, rows_quarantined: 5 })).toStrictEqual([]);
  });

  it("reads quoted CSV fields with LF or CRLF records, rows of any length", () => {
    expect(parseCsv('reason\n"a, ""b"""\r\nc\n')).toStrictEqual([["reason"], ['a, "b"'], ["c"]]);
    expect(parseCsv("a,b\nc\n")).toStrictEqual([["a", "b"], ["c"]]);
  });
});
