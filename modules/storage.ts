import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration, type S3BucketLifecycleConfigurationRule } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import type { StoragePrefixes } from "./config/schema";
import { jsonDocument } from "./json-document";
import type { ResourceNames } from "./naming";

export interface StorageLayerProps {
  readonly names: ResourceNames;
  readonly prefixes: StoragePrefixes;
  /** KMS key of the data bucket. */
  readonly kmsKeyArn: string;
  readonly forceDestroy: boolean;
  readonly glueTempExpirationDays: number;
  readonly accessLogExpirationDays: number;
  readonly queryResultExpirationDays: number;
}

/** The data bucket (airport codes, daily flights, Glue scripts and temp, quarantine) and its access-log bucket. */
export class StorageLayer extends Construct {
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly prefixes: StoragePrefixes;
  readonly logBucketName: string;

  constructor(scope: Construct, id: string, props: StorageLayerProps) {
    super(scope, id);
    const { names } = props;
    const logs = new S3Bucket(this, "access-logs", { bucketPrefix: names.bucketPrefix("s3-logs"), forceDestroy: props.forceDestroy });
    const data = new S3Bucket(this, "data", { bucketPrefix: names.bucketPrefix("data"), forceDestroy: props.forceDestroy });
    // S3 server access logs can only be delivered to a bucket encrypted with SSE-S3.
    this.secure(logs, "access-logs", { sseAlgorithm: "AES256" }, [
      { sid: "S3ServerAccessLogsFromTheDataBucket", principal: "logging.s3.amazonaws.com", actions: ["s3:PutObject"], sourceArn: data.arn },
    ]);
    new S3BucketLifecycleConfiguration(this, "access-logs-lifecycle", {
      bucket: logs.id,
      rule: [
        abortIncompleteUploads(),
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: props.accessLogExpirationDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: 1 }],
        },
      ],
    });

    this.secure(data, "data", { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn });
    new S3BucketLoggingA(this, "data-logging", { bucket: data.id, targetBucket: logs.id, targetPrefix: "data/" });
    // EventBridge receives every event of the bucket; the trigger's rule picks the daily flights ones.
    new S3BucketNotification(this, "data-events", { bucket: data.id, eventbridge: true });
    new S3BucketLifecycleConfiguration(this, "data-lifecycle", {
      bucket: data.id,
      rule: [
        abortIncompleteUploads(),
        {
          id: "expire-glue-temp",
          status: "Enabled",
          filter: [{ prefix: props.prefixes.glueTemp }],
          expiration: [{ days: props.glueTempExpirationDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: 1 }],
        },
        {
          id: "expire-query-results",
          status: "Enabled",
          filter: [{ prefix: props.prefixes.queryResults }],
          expiration: [{ days: props.queryResultExpirationDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: 1 }],
        },
        { id: "expire-old-versions", status: "Enabled", filter: [{ prefix: "" }], noncurrentVersionExpiration: [{ noncurrentDays: 90 }] },
      ],
    });

    this.bucketName = data.bucket;
    this.bucketArn = data.arn;
    this.prefixes = props.prefixes;
    this.logBucketName = logs.bucket;
  }

  /** ARN of every object under one of the bucket's prefixes, for IAM resources. */
  objectsArn(prefix: string): string {
    return `${this.bucketArn}/${prefix}*`;
  }

  /** s3:// URI of a prefix or key in the data bucket. */
  s3Uri(keyOrPrefix: string): string {
    return `s3://${this.bucketName}/${keyOrPrefix}`;
  }

  /** Versioning, encryption, no public access, bucket-owner objects and a TLS-only policy. */
  private secure(bucket: S3Bucket, id: string, sse: { sseAlgorithm: string; kmsMasterKeyId?: string }, writers: ServiceWriter[] = []): void {
    new S3BucketVersioningA(this, `${id}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
    new S3BucketServerSideEncryptionConfigurationA(this, `${id}-encryption`, {
      bucket: bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: sse, bucketKeyEnabled: sse.sseAlgorithm === "aws:kms" }],
    });
    const publicBlock = new S3BucketPublicAccessBlock(this, `${id}-public-access`, {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, `${id}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketPolicy(this, `${id}-policy`, {
      bucket: bucket.id,
      dependsOn: [publicBlock],
      policy: jsonDocument({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucket.arn, `${bucket.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
          ...writers.map((w) => ({
            Sid: w.sid,
            Effect: "Allow",
            Principal: { Service: w.principal },
            Action: w.actions,
            Resource: `${bucket.arn}/*`,
            Condition: { ArnLike: { "aws:SourceArn": w.sourceArn } },
          })),
        ],
      }),
    });
  }
}

interface ServiceWriter {
  readonly sid: string;
  readonly principal: string;
  readonly actions: string[];
  /** The only resource whose service activity may write. */
  readonly sourceArn: string;
}

function abortIncompleteUploads(): S3BucketLifecycleConfigurationRule {
  return { id: "abort-incomplete-uploads", status: "Enabled", filter: [{ prefix: "" }], abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }] };
}
