import {
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { ensureStateBucket, tlsOnlyPolicy } from "../scripts/lib/state-bucket";
import { MotoServer } from "./support/moto-server";
import { runScript } from "./support/run-script";

describe("npm run bootstrap:state against a local moto S3 server", () => {
  const moto = new MotoServer();
  const env = () => ({ AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" });
  beforeAll(() => moto.start(), 60000);
  afterAll(() => moto.stop());

  it("creates a versioned, encrypted, private, TLS-only bucket and prints the config entry; a rerun reapplies", async () => {
    const first = runScript("bootstrap-state", ["--bucket", "team-tf-state", "--region", "eu-west-1"], env());
    expect(first.stderr).not.toContain("error");
    expect(first.status).toBe(0);
    expect(first.stdout).toContain("state bucket s3://team-tf-state created");
    expect(first.stdout).toContain('config entry: "backend": {"type":"s3","bucket":"team-tf-state","region":"eu-west-1"}');
    const s3 = new S3Client({ ...moto.clientConfig, region: "eu-west-1" });
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: "team-tf-state" }))).Status).toBe("Enabled");
    const sse = await s3.send(new GetBucketEncryptionCommand({ Bucket: "team-tf-state" }));
    expect(sse.ServerSideEncryptionConfiguration?.Rules?.[0].ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe("aws:kms");
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: "team-tf-state" }))).PublicAccessBlockConfiguration).toStrictEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: "team-tf-state" }))).Policy ?? "{}");
    expect(policy.Statement[0]).toMatchObject({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    const again = runScript("bootstrap-state", ["--bucket", "team-tf-state", "--region", "eu-west-1"], env());
    expect(again.stdout).toContain("already existed; settings reapplied");
  }, 60000);

  it("in process: no location in us-east-1, the region's elsewhere; every setting put; a second call finds it", async () => {
    for (const [bucket, region, location] of [
      ["east-state", "us-east-1", undefined],
      ["west-state", "eu-west-1", "eu-west-1"],
    ] as const) {
      const s3 = new S3Client({ ...moto.clientConfig, region });
      expect(await ensureStateBucket(s3, bucket, region)).toBe("created");
      expect((await s3.send(new GetBucketLocationCommand({ Bucket: bucket }))).LocationConstraint ?? undefined).toBe(location);
      expect(await ensureStateBucket(s3, bucket, region)).toBe("existed");
      expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
      expect((await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }))).ServerSideEncryptionConfiguration?.Rules).toStrictEqual([
        { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms" }, BucketKeyEnabled: true },
      ]);
      expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration).toStrictEqual({
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      });
      expect(JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? "{}")).toStrictEqual(tlsOnlyPolicy(bucket));
    }
  }, 60000);

  it("in process: passes on an error other than a missing bucket (here: no server)", async () => {
    const s3 = new S3Client({ ...moto.clientConfig, endpoint: "http://127.0.0.1:9", maxAttempts: 1 });
    await expect(ensureStateBucket(s3, "any-state", "us-east-1")).rejects.toThrow(/ECONNREFUSED/);
  });

  it("needs credentials and names what to set", () => {
    const r = runScript("bootstrap-state", ["--bucket", "b", "--region", "us-east-1"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: no AWS credentials found .*AWS_PROFILE/);
  });
});
