import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { parse } from "csv-parse/sync";

/** One quarantined row as the Glue job writes it (`quarantine/run_date=<day>/source_id=<id>/*.csv`). */
export interface QuarantinedRow {
  readonly source_file: string;
  readonly line: string;
  readonly reason: string;
  readonly flight_date: string;
  readonly quarantined_at: string;
}

/** Every key under a prefix. */
export async function keysUnder(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key as string));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

/** Every quarantined row of the bucket. */
export async function quarantineRows(s3: S3Client, bucket: string, quarantinePrefix: string): Promise<QuarantinedRow[]> {
  const rows: QuarantinedRow[] = [];
  for (const key of (await keysUnder(s3, bucket, quarantinePrefix)).filter((k) => k.endsWith(".csv"))) {
    const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString();
    rows.push(...(parse(body ?? "", { columns: true, skip_empty_lines: true }) as QuarantinedRow[]));
  }
  return rows;
}

/** A reason with its values left out, so rows broken the same way count together. */
export function reasonKind(reason: string): string {
  return reason.replace(/'[^']*'/g, "'…'").replace(/\b\d+\b/g, "N");
}

/** What `npm run quarantine` prints for one flight date: rows per kind of reason and per file, most first. */
export function quarantineReport(rows: QuarantinedRow[], date: string): string[] {
  const ofDay = rows.filter((r) => r.flight_date === date);
  if (!ofDay.length) return [`no row of ${date} is quarantined`];
  const count = (key: (r: QuarantinedRow) => string) =>
    [...ofDay.reduce((m, r) => m.set(key(r), (m.get(key(r)) ?? 0) + 1), new Map<string, number>())].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const files = count((r) => r.source_file);
  return [
    `quarantine of ${date}: ${ofDay.length} row(s) in ${files.length} file(s)`,
    "by reason:",
    ...count((r) => reasonKind(r.reason)).map(([k, n]) => `  ${String(n).padStart(6)}  ${k}`),
    "by file:",
    ...files.map(([f, n]) => `  ${String(n).padStart(6)}  ${f}`),
  ];
}
