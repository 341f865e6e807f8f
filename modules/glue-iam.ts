import type { PolicyStatement } from "./iam";

/** Partition, region and account of the stack, all derived from resource references (see PipelineKey). */
export interface AwsContext {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

export interface CatalogArns {
  readonly catalogArn: string;
  readonly databaseArn: string;
  /** Every table of the database. */
  readonly tablesArn: string;
}

const CATALOG_READ = ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"];
const CATALOG_WRITE = [
  "glue:CreateTable",
  "glue:UpdateTable",
  "glue:CreatePartition",
  "glue:UpdatePartition",
  "glue:BatchCreatePartition",
  "glue:BatchUpdatePartition",
];

/** Glue Data Catalog access to one database and its tables. */
export function catalogStatements(arns: CatalogArns, access: "read" | "read-write"): PolicyStatement[] {
  const actions = access === "read" ? CATALOG_READ : [...CATALOG_READ, ...CATALOG_WRITE];
  return [{ sid: `Catalog${access === "read" ? "Read" : "ReadWrite"}`, actions, resources: [arns.catalogArn, arns.databaseArn, arns.tablesArn] }];
}

/** The connection's place in the VPC, as ARNs. */
export interface ConnectionNetworkArns {
  readonly vpcArn: string;
  readonly subnetArn: string;
  readonly securityGroupArn: string;
}

/**
 * What Glue needs to place ENIs in the connection's subnet. The Describe calls cannot be scoped (EC2 offers no
 * resource-level permissions for them), except DescribeVpcAttribute, which takes the VPC.
 */
export function connectionNetworkStatements(aws: AwsContext, network: ConnectionNetworkArns): PolicyStatement[] {
  const eni = `arn:${aws.partition}:ec2:${aws.region}:${aws.accountId}:network-interface/*`;
  return [
    {
      sid: "DescribeVpcForGlueConnection",
      actions: ["ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcEndpoints", "ec2:DescribeRouteTables", "ec2:DescribeNetworkInterfaces"],
      resources: ["*"],
      wildcardReason: "EC2 Describe* actions support no resource-level permissions",
    },
    { sid: "DescribeConnectionVpc", actions: ["ec2:DescribeVpcAttribute"], resources: [network.vpcArn] },
    { sid: "GlueConnectionEnis", actions: ["ec2:CreateNetworkInterface"], resources: [network.subnetArn, network.securityGroupArn, eni] },
    { sid: "GlueConnectionEniCleanup", actions: ["ec2:DeleteNetworkInterface", "ec2:CreateTags", "ec2:DeleteTags"], resources: [eni] },
  ];
}

/** Glue writes job and crawler logs under /aws-glue/ (names it chooses from the role and security configuration). */
export function glueLogStatements(aws: AwsContext): PolicyStatement[] {
  const groups = `arn:${aws.partition}:logs:${aws.region}:${aws.accountId}:log-group:/aws-glue/*`;
  return [
    {
      sid: "GlueLogs",
      actions: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"],
      resources: [groups, `${groups}:log-stream:*`],
    },
  ];
}

/** Reading the Redshift user secret a Glue connection names in SECRET_ID (the job's own user, not the admin). */
export function connectionSecretStatements(catalogArn: string, connectionArn: string, secretArn: string): PolicyStatement[] {
  return [
    // GetConnection is authorized on the catalog as well as the connection (Service Authorization Reference).
    { sid: "ReadConnection", actions: ["glue:GetConnection"], resources: [catalogArn, connectionArn] },
    { sid: "ReadRedshiftSecret", actions: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], resources: [secretArn] },
  ];
}
