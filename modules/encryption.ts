import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { Fn, TerraformLocal } from "cdktf";
import { Construct } from "constructs";
import { jsonDocument } from "./json-document";
import type { ResourceNames } from "./naming";

/** Administration plus use, so IAM policies of the account decide who does what (the key policy lockout rule). */
const KEY_ADMIN_ACTIONS = [
  "kms:Create*",
  "kms:Describe*",
  "kms:Enable*",
  "kms:List*",
  "kms:Put*",
  "kms:Update*",
  "kms:Revoke*",
  "kms:Disable*",
  "kms:Get*",
  "kms:Delete*",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
  "kms:Encrypt",
  "kms:Decrypt",
  "kms:ReEncrypt*",
  "kms:GenerateDataKey*",
];

export interface PipelineKeyProps {
  readonly names: ResourceNames;
  readonly region: string;
}

/**
 * The environment's customer-managed KMS key (rotated yearly): data bucket, SNS, SQS, log groups,
 * Redshift and Glue all encrypt with it. Services that write encrypted data on their own behalf get a key
 * policy statement; roles get kms actions in their IAM policies.
 */
export class PipelineKey extends Construct {
  readonly arn: string;
  readonly keyId: string;
  /** The account id, read from the key's own ARN (no data source, so plans run offline). */
  readonly accountId: string;
  readonly partition: string;
  /** The key policy: resources whose creation AWS checks against it (log groups) depend on it. */
  readonly policy: KmsKeyPolicy;

  constructor(scope: Construct, id: string, props: PipelineKeyProps) {
    super(scope, id);
    const key = new KmsKey(this, "key", {
      description: `${props.names.prefix}: data, queues, topics and logs of the airline ingestion pipeline`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
    });
    new KmsAlias(this, "alias", { name: `alias/${props.names.name("security", "data")}`, targetKeyId: key.keyId });
    this.arn = key.arn;
    this.keyId = key.keyId;
    // Locals keep policies readable JSON: `${local.account_id}` instead of a function call with quotes in it.
    this.partition = stackLocal(this, "partition", Fn.element(Fn.split(":", key.arn), 1));
    this.accountId = stackLocal(this, "account_id", Fn.element(Fn.split(":", key.arn), 4));
    const root = `arn:${this.partition}:iam::${this.accountId}:root`;
    const sameAccount = { StringEquals: { "aws:SourceAccount": this.accountId } };
    this.policy = new KmsKeyPolicy(this, "policy", {
      keyId: key.keyId,
      policy: jsonDocument({
        Version: "2012-10-17",
        Statement: [
          // Without the account root the key could become unmanageable; IAM policies then decide per role.
          { Sid: "AccountAdministersKeyThroughIam", Effect: "Allow", Principal: { AWS: root }, Action: KEY_ADMIN_ACTIONS, Resource: "*" },
          {
            Sid: "CloudWatchLogsEncryptsThisEnvironmentsGroups",
            Effect: "Allow",
            Principal: { Service: `logs.${props.region}.amazonaws.com` },
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resource: "*",
            Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${this.partition}:logs:${props.region}:${this.accountId}:log-group:*` } },
          },
          // EventBridge's KMS requests when it delivers to an encrypted topic or queue carry no aws:SourceAccount or
          // aws:SourceArn (SNS developer guide, "compatibility with AWS services"): a condition on them refuses every delivery.
          {
            Sid: "EventBridgeDeliversToEncryptedTopicsAndQueues",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: "*",
          },
          {
            Sid: "AlarmsPublishToEncryptedTopics",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: "*",
            Condition: sameAccount,
          },
          // Vended-log delivery (Step Functions execution logs) decrypts the data key to write to the encrypted group; the
          // statement CDK's StateMachine adds for the same set-up, without conditions.
          {
            Sid: "LogDeliveryWritesEncryptedGroups",
            Effect: "Allow",
            Principal: { Service: "delivery.logs.amazonaws.com" },
            Action: "kms:Decrypt",
            Resource: "*",
          },
        ],
      }),
    });
  }

  /** IAM statement actions a role needs to read and write data encrypted with this key. */
  static readonly USE_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"];
}

function stackLocal(scope: Construct, name: string, expression: string): string {
  const local = new TerraformLocal(scope, name, expression);
  local.overrideLogicalId(name);
  return local.asString;
}
