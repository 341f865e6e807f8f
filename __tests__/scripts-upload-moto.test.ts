import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { listFiles, planUploads, uploadFile } from "../scripts/lib/upload";
import { MotoServer } from "./support/moto-server";
import { runScript } from "./support/run-script";

const BUCKET = "airline-ingest-dev-data-upload-test";
const AIRPORTS = join(__dirname, "..", "glue-jobs", "tests", "data", "airports_codes.csv");

describe("npm run seed:upload against a local moto S3 server", () => {
  const moto = new MotoServer();
  const dir = mkdtempSync(join(tmpdir(), "upload-"));
  const data = join(dir, "data");
  const outputs = join(dir, "outputs.json");
  let s3: S3Client;
  const env = () => ({ AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "us-east-1" });
  const write = (key: string, text: string) => {
    mkdirSync(dirname(join(data, key)), { recursive: true });
    writeFileSync(join(data, key), text);
  };
  const upload = () => runScript("seed-upload", ["--data", data, "--stack", "dev", "--outputs", outputs], env());

  beforeAll(async () => {
    await moto.start();
    s3 = new S3Client(moto.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    // cdktf output --outputs-file format: {stack: {name: value}}
    writeFileSync(outputs, JSON.stringify({ dev: { data_bucket_name: BUCKET } }));
    mkdirSync(join(data, "airport_codes"), { recursive: true });
    cpSync(AIRPORTS, join(data, "airport_codes", "airport_codes.csv"));
    write("daily_flights/date=2001-01-01/flights.csv", "Carrier,OriginAirportID,DestAirportID,DepDelay,ArrDelay\r\nAA,10299,10165,3,-2\r\n");
    write("daily_flights/date=2001-01-02/flights.csv", "Carrier,OriginAirportID,DestAirportID,DepDelay,ArrDelay\nUA,10165,10299,,\n");
    write("daily_flights/2001-01-03/flights.csv", "x");
    write("daily_flights/date=2001-02-30/flights.csv", "x");
    write("daily_flights/date=2001-01-04/flights.json", "{}");
    write("notes/readme.txt", "x");
  }, 60000);

  afterAll(() => moto.stop());

  async function bucketContents(): Promise<Record<string, string>> {
    const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    const entries = await Promise.all(
      Contents.map(async (o) => [o.Key!, await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key }))).Body!.transformToString()] as const),
    );
    return Object.fromEntries(entries);
  }

  it("with --only uploads just that prefix (the airport codes before seed:warehouse)", async () => {
    const r = runScript("seed-upload", ["--data", data, "--stack", "dev", "--outputs", outputs, "--only", "airport_codes/"], env());
    expect(r.output).toContain("uploaded 1 file(s)");
    expect(r.status).toBe(0);
    expect(Object.keys(await bucketContents())).toStrictEqual(["airport_codes/airport_codes.csv"]);
  });

  it("uploads the conforming files with layout and bytes intact, and refuses the rest by name", async () => {
    const first = upload();
    expect(first.output).toMatch(/uploaded 2 file\(s\) .*; 1 unchanged skipped; 4 refused/);
    expect(first.output).toContain("4 refused");
    for (const key of [
      "daily_flights/2001-01-03/flights.csv",
      "daily_flights/date=2001-02-30/flights.csv",
      "daily_flights/date=2001-01-04/flights.json",
      "notes/readme.txt",
    ]) {
      expect(first.output).toContain(`refused ${key}:`);
    }
    expect(first.output).toContain("2001-02-30 is not a real day");
    expect(first.status).toBe(2);
    const contents = await bucketContents();
    expect(Object.keys(contents).sort()).toStrictEqual([
      "airport_codes/airport_codes.csv",
      "daily_flights/date=2001-01-01/flights.csv",
      "daily_flights/date=2001-01-02/flights.csv",
    ]);
    expect(contents["airport_codes/airport_codes.csv"]).toBe(require("node:fs").readFileSync(AIRPORTS, "utf8"));
    expect(contents["daily_flights/date=2001-01-01/flights.csv"]).toContain("\r\n");
  });

  it("uploads nothing on a rerun, and only what changed after an edit", async () => {
    expect(upload().output).toContain("uploaded 0 file(s) (0 bytes)");
    write("daily_flights/date=2001-01-02/flights.csv", "Carrier,OriginAirportID,DestAirportID,DepDelay,ArrDelay\nUA,10165,10299,7,8\n");
    const edited = upload();
    expect(edited.output).toMatch(/uploaded 1 file\(s\) .*; 2 unchanged skipped/);
    expect((await bucketContents())["daily_flights/date=2001-01-02/flights.csv"]).toContain("UA,10165,10299,7,8");
  });

  it("with --dry-run lists what it would upload and uploads nothing", async () => {
    write("daily_flights/date=2001-01-05/flights.csv", "Carrier,OriginAirportID,DestAirportID,DepDelay,ArrDelay\n");
    const dry = runScript("seed-upload", ["--data", data, "--stack", "dev", "--outputs", outputs, "--dry-run"], env());
    expect(dry.output).toContain("would upload daily_flights/date=2001-01-05/flights.csv");
    expect(Object.keys(await bucketContents())).not.toContain("daily_flights/date=2001-01-05/flights.csv");
  });

  it("in process: uploads with its checksum as metadata and CSV type, then skips the same bytes and uploads changed ones", async () => {
    const root = mkdtempSync(join(tmpdir(), "upload-in-process-"));
    const key = "daily_flights/date=2001-03-01/flights.csv";
    mkdirSync(dirname(join(root, key)), { recursive: true });
    writeFileSync(join(root, key), "Carrier\nAA\n");
    const prefixes = { airportCodes: "airport_codes/", dailyFlights: "daily_flights/" };
    const [first] = await planUploads(s3, BUCKET, listFiles(root), prefixes);
    expect(first).toMatchObject({ action: "upload", file: { key, bytes: 11 } });
    if (first.action !== "upload") throw new Error("expected an upload");
    await uploadFile(s3, BUCKET, first.file, first.sha256);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head).toMatchObject({ ContentType: "text/csv", ContentLength: 11, Metadata: { sha256: first.sha256 } });
    expect((await planUploads(s3, BUCKET, listFiles(root), prefixes))[0].action).toBe("skip");
    writeFileSync(join(root, key), "Carrier\nUA\n");
    expect((await planUploads(s3, BUCKET, listFiles(root), prefixes))[0].action).toBe("upload");
  });

  it("in process: passes on an error other than a missing object (here: no server)", async () => {
    const root = mkdtempSync(join(tmpdir(), "upload-no-server-"));
    mkdirSync(join(root, "airport_codes"));
    writeFileSync(join(root, "airport_codes", "airport_codes.csv"), "id\n");
    const offline = new S3Client({ ...moto.clientConfig, endpoint: "http://127.0.0.1:9", maxAttempts: 1 });
    await expect(planUploads(offline, BUCKET, listFiles(root), { airportCodes: "airport_codes/", dailyFlights: "daily_flights/" })).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });
});
