import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { RedshiftDataClient } from "@aws-sdk/client-redshift-data";
import { type _Object, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { parse } from "csv-parse/sync";
import type { StoragePrefixes } from "../../modules/config/schema";
import { queryRows, runBatch, type WarehouseTarget } from "./redshift-data";
import { FACT_TABLE_SQL, tableColumns } from "./sql-files";

/** What a smoke test after deploy needs: the bucket and its prefixes, the warehouse, the schema. */
export interface SmokeTarget {
  readonly s3: S3Client;
  readonly redshift: RedshiftDataClient;
  readonly bucket: string;
  readonly prefixes: Pick<StoragePrefixes, "dailyFlights" | "quarantine" | "reports">;
  readonly warehouse: WarehouseTarget;
  readonly schema: string;
}

export interface SmokeOptions {
  readonly keep?: boolean;
  readonly timeoutMs?: number;
  readonly pollMs?: number;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly log?: (line: string) => void;
}

export interface Airport {
  readonly id: string;
  readonly city: string;
  readonly state: string;
  readonly name: string;
}

const HEADER = "Carrier,OriginAirportID,DestAirportID,DepDelay,ArrDelay";
/** The fact table's first ten columns (the seed's nine and the flight date), as the check reads them back. */
const ROW_COLUMNS = tableColumns(readFileSync(FACT_TABLE_SQL, "utf8")).slice(0, 10);

/** The smoke file: two good rows (one with empty delays) and one row of each bad kind, with what must come of them. */
export function smokeFile(key: string, day: string, [a, b, c]: Airport[], unknownId: string) {
  const good = [
    { line: `SMK,${a.id},${b.id},5,-3`, row: ["SMK", a.name, b.name, a.city, b.city, a.state, b.state, "5", "-3", day] },
    { line: `SMK,${b.id},${c.id},,`, row: ["SMK", b.name, c.name, b.city, c.city, b.state, c.state, null, null, day] },
  ];
  // Each bad row must come back with a reason naming this field.
  const bad = [
    { line: `SMK,${a.id},${b.id},1`, field: "fields" },
    { line: `,${a.id},${b.id},1,1`, field: "Carrier" },
    { line: `SMK,abc,${b.id},1,1`, field: "OriginAirportID" },
    { line: `SMK,${a.id},${unknownId},1,1`, field: "DestAirportID" },
    { line: `SMK,${a.id},${b.id},12.5,1`, field: "DepDelay" },
  ];
  const text = `${[HEADER, ...good.map((g) => g.line), ...bad.map((x) => x.line)].join("\r\n")}\r\n`;
  return { key, text, rows: good.map((g) => g.row), badFields: bad.map((x) => x.field) };
}

/** The quarantine folder id of a source key: the same as glue-jobs/flights_rules.py source_id(). */
export function sourceId(key: string): string {
  const readable = key
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(-80);
  return `${readable}-${createHash("sha1").update(key, "utf8").digest("hex").slice(0, 10)}`;
}

/** Differences between what the pipeline loaded and what the smoke file asks for; empty when all holds. */
export function compare(
  expected: ReturnType<typeof smokeFile>,
  rows: Array<Array<string | null>>,
  reasons: string[],
  report: Record<string, unknown>,
): string[] {
  const problems: string[] = [];
  const text = (r: Array<string | null>) => r.map((v) => v ?? "NULL").join(" | ");
  const want = expected.rows.map(text).sort();
  const got = rows.map(text).sort();
  for (const row of want.filter((w) => !got.includes(w)))
    problems.push(`missing or wrong row: expected ${row}; table has ${got.join(" ; ") || "no row of the smoke file"}`);
  for (const row of got.filter((g) => !want.includes(g))) problems.push(`unexpected row: ${row}`);
  if (reasons.length !== expected.badFields.length)
    problems.push(`quarantine has ${reasons.length} rows of the smoke file, expected ${expected.badFields.length}`);
  for (const field of expected.badFields)
    if (!reasons.some((r) => r.includes(field))) problems.push(`no quarantine reason names ${field} (reasons: ${reasons.join(" ; ") || "none"})`);
  const alone = Array.isArray(report.files) && report.files.length === 1;
  const [loaded, quarantined] = [Number(report.rows_loaded), Number(report.rows_quarantined)];
  if (alone ? loaded !== want.length : loaded < want.length)
    problems.push(`run report says rows_loaded ${loaded}, expected ${alone ? "" : "at least "}${want.length}`);
  if (alone ? quarantined !== expected.badFields.length : quarantined < expected.badFields.length)
    problems.push(`run report says rows_quarantined ${quarantined}, expected ${alone ? "" : "at least "}${expected.badFields.length}`);
  return problems;
}

async function objectText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body!.transformToString();
}

async function listAll(s3: S3Client, bucket: string, prefix: string): Promise<_Object[]> {
  const objects: _Object[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    objects.push(...(page.Contents ?? []));
    token = page.NextContinuationToken;
  } while (token);
  return objects;
}

/** Waits for the run report whose `files` names the key: the pass that loaded it. */
export async function waitForReport(
  t: SmokeTarget,
  key: string,
  since: Date,
  o: Required<Pick<SmokeOptions, "timeoutMs" | "pollMs" | "sleep">>,
): Promise<{ key: string; report: Record<string, unknown> }> {
  const seen = new Set<string>();
  for (let waited = 0; ; waited += o.pollMs) {
    for (const obj of await listAll(t.s3, t.bucket, `${t.prefixes.reports}runs/`)) {
      const version = `${obj.Key}@${obj.ETag}`;
      if (seen.has(version) || (obj.LastModified && obj.LastModified.getTime() < since.getTime() - 60_000)) continue;
      seen.add(version);
      const report = JSON.parse(await objectText(t.s3, t.bucket, obj.Key!));
      if (Array.isArray(report.files) && report.files.includes(key)) return { key: obj.Key!, report };
    }
    if (waited >= o.timeoutMs)
      throw new Error(
        `no run report under s3://${t.bucket}/${t.prefixes.reports}runs/ names ${key} after ${Math.round(o.timeoutMs / 60_000)} min: did the upload start the pipeline? (state machine executions, the trigger's dead-letter queue)`,
      );
    await o.sleep(o.pollMs);
  }
}

/** The reasons quarantined for one source file (CSV objects under quarantine/run_date=<day>/source_id=<id>/, any day). */
export async function quarantineReasons(t: SmokeTarget, key: string): Promise<{ reasons: string[]; objects: string[] }> {
  const folder = `source_id=${sourceId(key)}`;
  const objects = (await listAll(t.s3, t.bucket, t.prefixes.quarantine)).map((o) => o.Key!).filter((k) => k.split("/").includes(folder));
  const reasons: string[] = [];
  for (const k of objects) {
    const [header, ...lines] = parseCsv(await objectText(t.s3, t.bucket, k));
    const at = header?.indexOf("reason") ?? -1;
    reasons.push(...lines.filter((l) => l.length > at && at >= 0).map((l) => l[at]));
  }
  return { reasons, objects };
}

/** Rows of a CSV file (quoted fields, doubled quotes, CRLF or LF), as the quarantine files Glue writes. */
export function parseCsv(text: string): string[][] {
  return parse(text, { relax_column_count: true, record_delimiter: ["\r\n", "\n"] });
}

/** Uploads the smoke file, waits for its pass, checks table, quarantine and report, cleans up. Returns the verdict. */
export async function runSmoke(t: SmokeTarget, options: SmokeOptions = {}): Promise<{ ok: boolean; line: string; problems: string[] }> {
  const {
    keep = false,
    timeoutMs = 30 * 60_000,
    pollMs = 15_000,
    now = () => new Date(),
    sleep = (ms) => new Promise((r) => setTimeout(r, ms)),
    log = () => undefined,
  } = options;
  const airports = (await queryRows(
    t.redshift,
    t.warehouse,
    `SELECT airport_id, city, state, name FROM ${t.schema}.dim_airport_codes ORDER BY airport_id LIMIT 3`,
  )) as string[][];
  if (airports.length < 3)
    return { ok: false, line: `smoke FAILED: ${t.schema}.dim_airport_codes has ${airports.length} airports (run npm run seed:warehouse first)`, problems: [] };
  const [[unknownId]] = (await queryRows(t.redshift, t.warehouse, `SELECT max(airport_id) + 1 FROM ${t.schema}.dim_airport_codes`)) as string[][];
  const started = now();
  const day = started.toISOString().slice(0, 10);
  const key = `${t.prefixes.dailyFlights}date=${day}/smoke-${started.getTime()}.csv`;
  const file = smokeFile(
    key,
    day,
    airports.map(([id, city, state, name]) => ({ id, city, state, name })),
    unknownId,
  );
  await t.s3.send(new PutObjectCommand({ Bucket: t.bucket, Key: key, Body: file.text, ContentType: "text/csv" }));
  log(`uploaded s3://${t.bucket}/${key}; waiting for the pass that loads it ...`);
  const { key: reportKey, report } = await waitForReport(t, key, started, { timeoutMs, pollMs, sleep });
  const rows = await queryRows(
    t.redshift,
    t.warehouse,
    `SELECT ${ROW_COLUMNS.join(", ")} FROM ${t.schema}.daily_flights_processed WHERE source_file = '${key}'`,
  );
  const quarantine = await quarantineReasons(t, key);
  const problems = compare(file, rows, quarantine.reasons, report);
  if (!keep) {
    await runBatch(t.redshift, t.warehouse, [`DELETE FROM ${t.schema}.daily_flights_processed WHERE source_file = '${key}'`]);
    const objects = [key, ...quarantine.objects].map((Key) => ({ Key }));
    await t.s3.send(new DeleteObjectsCommand({ Bucket: t.bucket, Delete: { Objects: objects, Quiet: true } }));
  }
  const tail = keep ? `kept: s3://${t.bucket}/${key}` : "cleaned up";
  const line = problems.length
    ? `smoke FAILED (${problems.length} problem(s), report ${reportKey}; ${tail}): ${problems.join("; ")}`
    : `smoke PASSED: ${file.rows.length} rows loaded with their airports, ${file.badFields.length} quarantined with their reasons, report ${reportKey} agrees (${tail})`;
  return { ok: problems.length === 0, line, problems };
}
