import { catalogStatements, connectionNetworkStatements, connectionSecretStatements, glueLogStatements } from "../modules/glue-iam";
import { only, ref, roleStatements, synth } from "./support/synth";

/** The stack's one KMS key and the Glue IAM building blocks, value by value. */
describe("the pipeline's KMS key", () => {
  const dev = synth("dev");
  const keyRef = (attribute: string) => ref(dev, "aws_kms_key", () => true, attribute);

  it("rotates, waits 30 days before deletion, says what it protects and has the environment's alias", () => {
    expect(only(dev, "aws_kms_key")).toStrictEqual({
      deletion_window_in_days: 30,
      description: "airline-ingest-dev: data, queues, topics and logs of the airline ingestion pipeline",
      enable_key_rotation: true,
    });
    expect(only(dev, "aws_kms_alias")).toStrictEqual({ name: "alias/airline-ingest-dev-security-data", target_key_id: keyRef("key_id") });
  });

  it("reads partition and account from its own ARN (no data source: plans run offline)", () => {
    const arn = keyRef("arn").slice(2, -1);
    expect(dev.locals).toStrictEqual({ partition: `\${element(split(":", ${arn}), 1)}`, account_id: `\${element(split(":", ${arn}), 4)}` });
  });

  it("has exactly five statements: the account through IAM, this region's log groups, events (unconditioned), same-account alarms, log delivery", () => {
    const policy = only(dev, "aws_kms_key_policy");
    expect(policy.key_id).toBe(keyRef("key_id"));
    const doc = JSON.parse(policy.policy);
    expect(doc.Version).toBe("2012-10-17");
    expect(doc.Statement).toStrictEqual([
      {
        Sid: "AccountAdministersKeyThroughIam",
        Effect: "Allow",
        Principal: { AWS: "arn:${local.partition}:iam::${local.account_id}:root" },
        Action: [
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
        ],
        Resource: "*",
      },
      {
        Sid: "CloudWatchLogsEncryptsThisEnvironmentsGroups",
        Effect: "Allow",
        Principal: { Service: "logs.us-east-1.amazonaws.com" },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:${local.partition}:logs:us-east-1:${local.account_id}:log-group:*" } },
      },
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
        Condition: { StringEquals: { "aws:SourceAccount": "${local.account_id}" } },
      },
      { Sid: "LogDeliveryWritesEncryptedGroups", Effect: "Allow", Principal: { Service: "delivery.logs.amazonaws.com" }, Action: "kms:Decrypt", Resource: "*" },
    ]);
  });
});

describe("Glue IAM statements", () => {
  const aws = { partition: "aws", region: "eu-west-1", accountId: "111122223333" };
  const arns = { catalogArn: "catalog", databaseArn: "db", tablesArn: "tables/*" };
  const READ = ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"];
  const WRITE = [
    "glue:CreateTable",
    "glue:UpdateTable",
    "glue:CreatePartition",
    "glue:UpdatePartition",
    "glue:BatchCreatePartition",
    "glue:BatchUpdatePartition",
  ];

  it("read the catalog, or read and write it, on the catalog, the database and its tables only", () => {
    expect(catalogStatements(arns, "read")).toStrictEqual([{ sid: "CatalogRead", actions: READ, resources: ["catalog", "db", "tables/*"] }]);
    expect(catalogStatements(arns, "read-write")).toStrictEqual([
      { sid: "CatalogReadWrite", actions: [...READ, ...WRITE], resources: ["catalog", "db", "tables/*"] },
    ]);
  });

  it("give the crawlers catalog writes and the job catalog reads only", () => {
    const dev = synth("dev");
    const actions = (role: string) =>
      roleStatements(dev, role)
        .filter((s) => String(s.Sid).startsWith("Catalog"))
        .flatMap((s) => s.Action);
    expect(actions("catalog-s3-crawler")).toStrictEqual([...READ, ...WRITE]);
    expect(actions("catalog-jdbc-crawler")).toStrictEqual([...READ, ...WRITE]);
    expect(actions("etl-flights-ingest")).toStrictEqual(READ);
  });

  it("let Glue place its connection's ENIs in one subnet and security group", () => {
    const eni = "arn:aws:ec2:eu-west-1:111122223333:network-interface/*";
    expect(connectionNetworkStatements(aws, { vpcArn: "vpc", subnetArn: "subnet", securityGroupArn: "sg" })).toStrictEqual([
      {
        sid: "DescribeVpcForGlueConnection",
        actions: ["ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcEndpoints", "ec2:DescribeRouteTables", "ec2:DescribeNetworkInterfaces"],
        resources: ["*"],
        wildcardReason: "EC2 Describe* actions support no resource-level permissions",
      },
      { sid: "DescribeConnectionVpc", actions: ["ec2:DescribeVpcAttribute"], resources: ["vpc"] },
      { sid: "GlueConnectionEnis", actions: ["ec2:CreateNetworkInterface"], resources: ["subnet", "sg", eni] },
      { sid: "GlueConnectionEniCleanup", actions: ["ec2:DeleteNetworkInterface", "ec2:CreateTags", "ec2:DeleteTags"], resources: [eni] },
    ]);
  });

  it("let Glue write its logs under /aws-glue/ and read one connection and its secret", () => {
    const groups = "arn:aws:logs:eu-west-1:111122223333:log-group:/aws-glue/*";
    expect(glueLogStatements(aws)).toStrictEqual([
      {
        sid: "GlueLogs",
        actions: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"],
        resources: [groups, `${groups}:log-stream:*`],
      },
    ]);
    expect(connectionSecretStatements("catalog", "conn", "secret")).toStrictEqual([
      { sid: "ReadConnection", actions: ["glue:GetConnection"], resources: ["catalog", "conn"] },
      { sid: "ReadRedshiftSecret", actions: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], resources: ["secret"] },
    ]);
  });
});
