import { bodies, only, ref, resources, synth } from "./support/synth";

describe("StorageLayer", () => {
  const dev = synth("dev");
  const data = ref(dev, "aws_s3_bucket", (b) => b.bucket_prefix?.endsWith("-data-"), "id");
  const dataArn = ref(dev, "aws_s3_bucket", (b) => b.bucket_prefix?.endsWith("-data-"), "arn");
  const onData = (type: string) => only(dev, type, (b) => b.bucket === data);

  it("names buckets by prefix from config, never a literal bucket name", () => {
    const buckets = bodies(dev, "aws_s3_bucket");
    expect(buckets.map((b) => b.bucket_prefix).sort()).toStrictEqual(["airline-ingest-dev-data-", "airline-ingest-dev-s3-logs-"]);
    expect(buckets.every((b) => b.bucket === undefined)).toBe(true);
  });

  it("versions the data bucket and encrypts it with the environment's KMS key", () => {
    expect(onData("aws_s3_bucket_versioning").versioning_configuration.status).toBe("Enabled");
    const sse = onData("aws_s3_bucket_server_side_encryption_configuration").rule[0];
    expect(sse.apply_server_side_encryption_by_default).toStrictEqual({
      sse_algorithm: "aws:kms",
      kms_master_key_id: ref(dev, "aws_kms_key", () => true, "arn"),
    });
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
    ).toStrictEqual([]);
  });

  it("expires access logs after the configured days, old log versions after a day, and aborts their incomplete uploads", () => {
    const logs = ref(dev, "aws_s3_bucket", (b) => b.bucket_prefix?.endsWith("-s3-logs-"), "id");
    expect(only(dev, "aws_s3_bucket_lifecycle_configuration", (c) => c.bucket === logs).rule).toStrictEqual([
      { id: "abort-incomplete-uploads", status: "Enabled", filter: [{ prefix: "" }], abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] },
      {
        id: "expire-access-logs",
        status: "Enabled",
        filter: [{ prefix: "" }],
        expiration: [{ days: 90 }],
        noncurrent_version_expiration: [{ noncurrent_days: 1 }],
      },
    ]);
  });

  it("expires Glue temp objects (current after the configured days, old versions after a day), nothing else", () => {
    const rules = onData("aws_s3_bucket_lifecycle_configuration").rule;
    expect(rules.map((r: { id: string }) => r.id)).toStrictEqual([
      "abort-incomplete-uploads",
      "expire-glue-temp",
      "expire-query-results",
      "expire-old-versions",
    ]);
    expect(rules[0]).toStrictEqual({
      id: "abort-incomplete-uploads",
      status: "Enabled",
      filter: [{ prefix: "" }],
      abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
    });
    expect(rules[1]).toStrictEqual({
      id: "expire-glue-temp",
      status: "Enabled",
      filter: [{ prefix: "glue/temp/" }],
      expiration: [{ days: 7 }],
      noncurrent_version_expiration: [{ noncurrent_days: 1 }],
    });
  });

  it("takes every expiry period from the environment's storage config", () => {
    const tuned = synth(
      "dev",
      (raw) => (raw.environments.dev.storage = { glueTempExpirationDays: 3, accessLogExpirationDays: 30, queryResultExpirationDays: 12 }),
    );
    const expirations = bodies(tuned, "aws_s3_bucket_lifecycle_configuration")
      .flatMap((c) => c.rule)
      .filter((r) => r.expiration)
      .map((r) => [r.id, r.expiration[0].days]);
    expect(expirations.sort()).toStrictEqual([
      ["expire-access-logs", 30],
      ["expire-glue-temp", 3],
      ["expire-query-results", 12],
    ]);
  });

  it("encrypts access logs with SSE-S3 (S3 logging cannot write to a KMS bucket) and uses a bucket key only with KMS", () => {
    const logs = ref(dev, "aws_s3_bucket", (b) => b.bucket_prefix?.endsWith("-s3-logs-"), "id");
    expect(only(dev, "aws_s3_bucket_server_side_encryption_configuration", (c) => c.bucket === logs).rule).toStrictEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" }, bucket_key_enabled: false },
    ]);
    expect(onData("aws_s3_bucket_server_side_encryption_configuration").rule[0].bucket_key_enabled).toBe(true);
  });

  it("gives both buckets versioning, bucket-owner objects and a public access block that their policy waits for", () => {
    for (const [bucket, arn] of [
      [data, dataArn],
      [
        ref(dev, "aws_s3_bucket", (b) => b.bucket_prefix?.endsWith("-s3-logs-"), "id"),
        ref(dev, "aws_s3_bucket", (b) => b.bucket_prefix?.endsWith("-s3-logs-"), "arn"),
      ],
    ]) {
      const on = (type: string) => only(dev, type, (b) => b.bucket === bucket);
      expect(on("aws_s3_bucket_versioning").versioning_configuration).toStrictEqual({ status: "Enabled" });
      expect(on("aws_s3_bucket_ownership_controls").rule).toStrictEqual({ object_ownership: "BucketOwnerEnforced" });
      const block = resources(dev, "aws_s3_bucket_public_access_block").find(([, b]) => b.bucket === bucket)?.[0];
      const policy = on("aws_s3_bucket_policy");
      expect(policy.depends_on).toStrictEqual([`aws_s3_bucket_public_access_block.${block}`]);
      const doc = JSON.parse(policy.policy);
      expect(doc.Version).toBe("2012-10-17");
      expect(doc.Statement[0]).toStrictEqual({
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [arn, `${arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      });
    }
    expect(JSON.parse(onData("aws_s3_bucket_policy").policy).Statement).toHaveLength(1);
  });

  it("logs access to a separate bucket that only S3 logging from the data bucket may write", () => {
    const logs = ref(dev, "aws_s3_bucket", (b) => b.bucket_prefix?.endsWith("-s3-logs-"), "id");
    expect(onData("aws_s3_bucket_logging")).toMatchObject({ target_bucket: logs, target_prefix: "data/" });
    const logsArn = ref(dev, "aws_s3_bucket", (b) => b.bucket_prefix?.endsWith("-s3-logs-"), "arn");
    const policy = JSON.parse(only(dev, "aws_s3_bucket_policy", (p) => p.bucket === logs).policy);
    expect(policy.Statement[1]).toStrictEqual({
      Sid: "S3ServerAccessLogsFromTheDataBucket",
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: ["s3:PutObject"],
      Resource: `${logsArn}/*`,
      Condition: { ArnLike: { "aws:SourceArn": dataArn } },
    });
  });
});
