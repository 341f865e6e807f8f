import {
  BucketAlreadyOwnedByYou,
  type BucketLocationConstraint,
  CreateBucketCommand,
  HeadBucketCommand,
  NotFound,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";

/**
 * The S3 bucket a team's Terraform state lives in (the config's `s3` backend): versioned (every state kept),
 * encrypted at rest, no public access, TLS only. Terraform's S3 lock file (`use_lockfile`) needs nothing more.
 * Creating it again is harmless: each setting is put whether the bucket is new or not.
 */
export async function ensureStateBucket(s3: S3Client, bucket: string, region: string): Promise<"created" | "existed"> {
  const outcome = await createUnlessOwned(s3, bucket, region);
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms" }, BucketKeyEnabled: true }] },
    }),
  );
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: bucket,
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    }),
  );
  await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(tlsOnlyPolicy(bucket)) }));
  return outcome;
}

/** Asks first: in us-east-1 S3 answers a CreateBucket of a bucket one already owns with success, not
 * BucketAlreadyOwnedByYou, so only HeadBucket tells "existed" there. */
async function createUnlessOwned(s3: S3Client, bucket: string, region: string): Promise<"created" | "existed"> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return "existed";
  } catch (e) {
    if (!(e instanceof NotFound)) throw e;
  }
  try {
    const location = region === "us-east-1" ? undefined : { LocationConstraint: region as BucketLocationConstraint };
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: location }));
    return "created";
  } catch (e) {
    if (e instanceof BucketAlreadyOwnedByYou) return "existed"; // made by someone else's run in between
    throw e;
  }
}

export function tlsOnlyPolicy(bucket: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "TlsOnly",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}
