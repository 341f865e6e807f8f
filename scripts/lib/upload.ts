import { createHash } from "node:crypto";
import { createReadStream, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { StoragePrefixes } from "../../modules/config/schema";

/** The largest object a single PutObject may write. */
const MAX_PUT_BYTES = 5 * 1024 ** 3;

export interface LocalFile {
  readonly path: string;
  readonly key: string;
  readonly bytes: number;
}

/** Why a key does not fit the bucket contract, or null when it does. */
export function contractViolation(key: string, prefixes: Pick<StoragePrefixes, "airportCodes" | "dailyFlights">): string | null {
  if (key === `${prefixes.airportCodes}airport_codes.csv`) return null;
  if (!key.startsWith(prefixes.dailyFlights)) return `not ${prefixes.airportCodes}airport_codes.csv and not under ${prefixes.dailyFlights}`;
  const m = /^date=(\d{4}-\d{2}-\d{2})\/[^/]+\.csv$/.exec(key.slice(prefixes.dailyFlights.length));
  if (!m) return `daily flights must be ${prefixes.dailyFlights}date=YYYY-MM-DD/<name>.csv`;
  const day = new Date(`${m[1]}T00:00:00Z`);
  if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== m[1]) return `${m[1]} is not a real day`;
  return null;
}

/** Every file under a folder, keyed like the bucket (forward slashes). */
export function listFiles(root: string): LocalFile[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
  return walk(root)
    .sort()
    .map((path) => ({ path, key: relative(root, path).split(sep).join("/"), bytes: statSync(path).size }));
}

export async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest("hex");
}

export type UploadDecision = { file: LocalFile; action: "upload" | "skip"; sha256: string } | { file: LocalFile; action: "refuse"; reason: string };

/** Decides per file: refuse (contract), skip (same checksum already in the bucket) or upload. */
/** What to do with each file. With no client (a dry run without credentials) nothing is compared: every file
 * that fits the contract would be uploaded. */
export async function planUploads(
  s3: S3Client | null,
  bucket: string,
  files: LocalFile[],
  prefixes: Pick<StoragePrefixes, "airportCodes" | "dailyFlights">,
): Promise<UploadDecision[]> {
  return Promise.all(
    files.map(async (file): Promise<UploadDecision> => {
      const violation = contractViolation(file.key, prefixes) ?? (file.bytes > MAX_PUT_BYTES ? `larger than ${MAX_PUT_BYTES} bytes` : null);
      if (violation) return { file, action: "refuse", reason: violation };
      const digest = await sha256(file.path);
      const remote = s3 ? await remoteSha256(s3, bucket, file.key) : null;
      return { file, action: remote === digest ? "skip" : "upload", sha256: digest };
    }),
  );
}

/** The checksum this tool stored with the object (metadata, since SSE-KMS ETags are not MD5s), or null. */
async function remoteSha256(s3: S3Client, bucket: string, key: string): Promise<string | null> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.Metadata?.sha256 ?? null;
  } catch (e) {
    if ((e as { name?: string }).name === "NotFound" || (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return null;
    throw e;
  }
}

export async function uploadFile(s3: S3Client, bucket: string, file: LocalFile, digest: string): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: file.key,
      Body: createReadStream(file.path),
      ContentLength: file.bytes,
      ContentType: "text/csv",
      ChecksumSHA256: Buffer.from(digest, "hex").toString("base64"),
      Metadata: { sha256: digest },
    }),
  );
}
