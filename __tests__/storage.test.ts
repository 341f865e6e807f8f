import { bodies, only, ref, synth } from "./support/synth";

describe("StorageLayer", () => {
  const dev = synth("dev");
  const data = ref(dev, "aws_s3_bucket", (b) => b.bucket_prefix?.endsWith("-data-"), "id");
  const dataArn = ref(dev, "aws_s3_bucket", (b) => b.bucket_prefix?.endsWith("-data-"), "arn");
  const onData = (type: string) => only(dev, type, (b) => b.bucket === data);

  it("names buckets by prefix from config, never a literal bucket name", () => {
    const buckets = bodies(dev, "aws_s3_bucket");
    expect(buckets.map((b) => b.bucket_prefix).sort()).toEqual(["airline-ingest-dev-data-", "airline-ingest-dev-s3-logs-"]);
    expect(buckets.every((b) => b.bucket === undefined)).toBe(true);
  });

  it("versions the data bucket and encrypts it with the environment's KMS key", () => {
    expect(onData("aws_s3_bucket_versioning").versioning_configuration.status).toBe("Enabled");
    const sse = onData("aws_s3_bucket_server_side_encryption_configuration").rule[0];
    expect(sse.apply_server_side_encryption_by_default).toEqual({ sse_algorithm: "aws:kms", kms_master_key_id: ref(dev, "aws_kms_key", () => true, "arn") });
  });

  it("blocks public access and denies non-TLS requests", () => {
    expect(onData("aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const policy = JSON.parse(onData("aws_s3_bucket_policy").policy);
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } }, Resource: [dataArn, `${dataArn}/*`] }),
    );
  });

  it("sends the bucket's events to EventBridge", () => {
    expect(onData("aws_s3_bucket_notification").eventbridge).toBe(true);
  });

  it("expires Glue temp data and aborts incomplete uploads", () => {
    const rules = onData("aws_s3_bucket_lifecycle_configuration").rule;
    expect(rules).toContainEqual(expect.objectContaining({ filter: [{ prefix: "glue/temp/" }], expiration: [{ days: 7 }] }));
    expect(rules).toContainEqual(expect.objectContaining({ abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] }));
  });

  it("expires old versions of every object after 90 days, so the versioned bucket does not grow forever", () => {
    const rules = onData("aws_s3_bucket_lifecycle_configuration").rule;
    expect(rules).toContainEqual({
      id: "expire-old-versions",
      status: "Enabled",
      filter: [{ prefix: "" }],
      noncurrent_version_expiration: [{ noncurrent_days: 90 }],
    });
    // Quarantined rows are kept: no rule expires their current versions.
    expect(
      rules.filter((r: { expiration?: unknown; filter: Array<{ prefix: string }> }) => r.expiration && "quarantine/".startsWith(r.filter[0].prefix)),
    ).toEqual([]);
  });

  it("logs access to a separate bucket that only S3 logging from the data bucket may write", () => {
    const logs = ref(dev, "aws_s3_bucket", (b) => b.bucket_prefix?.endsWith("-s3-logs-"), "id");
    expect(onData("aws_s3_bucket_logging").target_bucket).toBe(logs);
    const policy = JSON.parse(only(dev, "aws_s3_bucket_policy", (p) => p.bucket === logs).policy);
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({ Principal: { Service: "logging.s3.amazonaws.com" }, Condition: { ArnLike: { "aws:SourceArn": dataArn } } }),
    );
  });
});
