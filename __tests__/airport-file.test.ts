import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { checkAirportFile } from "../scripts/lib/airport-file";
import { MotoServer } from "./support/moto-server";
import { runScript } from "./support/run-script";

const REAL = readFileSync(join(__dirname, "..", "glue-jobs", "tests", "data", "airports_codes.csv"), "utf8");

describe("the airport file seed:warehouse loads", () => {
  it("accepts the real BTS file (CRLF, 365 airports)", () => {
    expect(() => checkAirportFile(REAL, "airport_codes.csv")).not.toThrow();
  });

  it("refuses a repeated airport_id, naming the id and the lines (CRLF, blank lines and spaces around values)", () => {
    const text = "airport_id,city,state,name\r\n10299,Anchorage,AK,Ted Stevens\r\n\r\n10165,Adak,AK,Adak\r\n 10299 ,Anchorage,AK,again\r\n";
    expect(() => checkAirportFile(text, "f.csv")).toThrow("f.csv: airport_id 10299 appears on lines 2, 5; each airport must appear once, nothing was loaded");
    expect(() => checkAirportFile(`${text}10165,x,y,z\n`, "f.csv")).toThrow("airport_id 10299 appears on lines 2, 5 (and 1 more repeated id);");
    expect(() => checkAirportFile("id,city\n1,a\n", "f.csv")).toThrow("f.csv: no airport_id column in the header line");
  });
});

describe("npm run seed:warehouse against a local moto S3 server", () => {
  const moto = new MotoServer();
  beforeAll(() => moto.start(), 60_000);
  afterAll(() => moto.stop());

  it("refuses an airport file with a repeated id before any statement runs", async () => {
    const s3 = new S3Client(moto.clientConfig);
    const bucket = "airline-ingest-dev-data-seed-test";
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const repeated = `${REAL.trimEnd()}\r\n10299,Anchorage,AK,Ted Stevens again\r\n`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "airport_codes/airport_codes.csv", Body: repeated }));
    const outputs = join(mkdtempSync(join(tmpdir(), "seed-")), "outputs.json");
    const names = ["redshift_workgroup_name", "redshift_database_name", "redshift_admin_secret_arn", "redshift_etl_secret_arn", "redshift_copy_role_arn"];
    writeFileSync(outputs, JSON.stringify({ dev: { data_bucket_name: bucket, ...Object.fromEntries(names.map((n) => [n, `x-${n}`])) } }));
    const env = { AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "us-east-1" };
    const r = runScript("seed-warehouse", ["--stack", "dev", "--outputs", outputs], env);
    expect(r.stderr.trim()).toMatch(
      /^error: s3:\/\/airline-ingest-dev-data-seed-test\/airport_codes\/airport_codes.csv: airport_id 10299 appears on lines \d+, 367; /,
    );
    expect(r.status).toBe(1);
    expect(r.stdout).not.toContain("running");
  }, 60_000);
});
