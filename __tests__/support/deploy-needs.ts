import type { Request } from "./iam-eval";
import type { Json } from "./synth";

/**
 * What creating each Terraform resource type of the stack asks of the deploying identity: the AWS API actions, on
 * which resource ARN, with which condition keys (the provider's default tags arrive as request tags). Taken from each
 * action's entry in AWS's Service Authorization Reference; one row per resource type the stacks use, so a new type
 * fails the test until it has a row.
 */
export interface Deployment {
  readonly project: string;
  readonly environment: string;
  readonly region: string;
  readonly account: string;
  readonly json: Json;
}

type Need = (body: Json, d: Deployment, name: (value: string) => string) => Request[];

const arn = (d: Deployment, service: string, resource: string) => `arn:aws:${service}:${d.region}:${d.account}:${resource}`;
const tagsOnCreate = (d: Deployment) => ({
  "aws:RequestedRegion": d.region,
  "aws:RequestTag/project": d.project,
  "aws:RequestTag/environment": d.environment,
});
const tagged = (d: Deployment) => ({ "aws:RequestedRegion": d.region, "aws:ResourceTag/project": d.project, "aws:ResourceTag/environment": d.environment });
/** An EC2 create call: the create itself and the CreateTags it makes for the default tags. */
const ec2Create =
  (action: string, type: string): Need =>
  (_b, d) => [
    { action: `ec2:${action}`, resource: arn(d, "ec2", `${type}/*`), context: tagsOnCreate(d) },
    { action: "ec2:CreateTags", resource: arn(d, "ec2", `${type}/*`), context: { ...tagsOnCreate(d), "ec2:CreateAction": action } },
  ];
const ec2OnTagged =
  (action: string, type: string): Need =>
  (_b, d) => [{ action: `ec2:${action}`, resource: arn(d, "ec2", `${type}/*`), context: tagged(d) }];
const bucketCall =
  (action: string): Need =>
  (b, _d, name) => [{ action, resource: `arn:aws:s3:::${name(b.bucket)}` }];
const passRole = (roleArn: string, service: string, name: (v: string) => string, d: Deployment): Request => ({
  action: "iam:PassRole",
  resource: `arn:aws:iam::${d.account}:role/${name(roleArn)}`,
  context: { "iam:PassedToService": service },
});
const roleCall = (action: string, role: Json, d: Deployment, name: (v: string) => string): Request => ({
  action,
  resource: `arn:aws:iam::${d.account}:role/${name(role.name)}`,
  context: role.permissions_boundary ? { "iam:PermissionsBoundary": name(role.permissions_boundary) } : {},
});

export const DEPLOY_NEEDS: Record<string, Need> = {
  aws_athena_workgroup: (b, d) => [{ action: "athena:CreateWorkGroup", resource: arn(d, "athena", `workgroup/${b.name}`), context: tagsOnCreate(d) }],
  aws_cloudwatch_dashboard: (b, d) => [{ action: "cloudwatch:PutDashboard", resource: `arn:aws:cloudwatch::${d.account}:dashboard/${b.dashboard_name}` }],
  aws_cloudwatch_event_rule: (b, d) => [{ action: "events:PutRule", resource: arn(d, "events", `rule/${b.name}`) }],
  aws_cloudwatch_event_target: (b, d, name) => [
    { action: "events:PutTargets", resource: arn(d, "events", `rule/${name(b.rule)}`) },
    ...(b.role_arn ? [passRole(b.role_arn, "events.amazonaws.com", name, d)] : []),
  ],
  aws_cloudwatch_log_group: (b, d) =>
    ["logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:AssociateKmsKey"].map((action) => ({ action, resource: arn(d, "logs", `log-group:${b.name}`) })),
  aws_cloudwatch_metric_alarm: (b, d) => [{ action: "cloudwatch:PutMetricAlarm", resource: arn(d, "cloudwatch", `alarm:${b.alarm_name}`) }],
  aws_default_security_group: ec2OnTagged("RevokeSecurityGroupIngress", "security-group"),
  aws_dynamodb_table: (b, d) => [{ action: "dynamodb:CreateTable", resource: arn(d, "dynamodb", `table/${b.name}`) }],
  aws_eip: ec2Create("AllocateAddress", "elastic-ip"),
  aws_flow_log: (b, d, name) => [...ec2Create("CreateFlowLogs", "vpc-flow-log")(b, d, name), passRole(b.iam_role_arn, "vpc-flow-logs.amazonaws.com", name, d)],
  aws_glue_catalog_database: (b, d) => [{ action: "glue:CreateDatabase", resource: arn(d, "glue", `database/${b.name}`) }],
  aws_glue_catalog_table: (b, d, name) =>
    [arn(d, "glue", "catalog"), arn(d, "glue", `database/${name(b.database_name)}`), arn(d, "glue", `table/${name(b.database_name)}/${b.name}`)].map(
      (resource) => ({ action: "glue:CreateTable", resource }),
    ),
  aws_glue_connection: (b, d) => [{ action: "glue:CreateConnection", resource: arn(d, "glue", `connection/${b.name}`) }],
  aws_glue_crawler: (b, d, name) => [
    { action: "glue:CreateCrawler", resource: arn(d, "glue", `crawler/${b.name}`) },
    passRole(b.role, "glue.amazonaws.com", name, d),
  ],
  aws_glue_data_catalog_encryption_settings: (_b, d) => [
    { action: "glue:PutDataCatalogEncryptionSettings", resource: "*", context: { "aws:RequestedRegion": d.region } },
  ],
  aws_glue_job: (b, d, name) => [{ action: "glue:CreateJob", resource: arn(d, "glue", `job/${b.name}`) }, passRole(b.role_arn, "glue.amazonaws.com", name, d)],
  aws_glue_security_configuration: (_b, d) => [{ action: "glue:CreateSecurityConfiguration", resource: "*", context: { "aws:RequestedRegion": d.region } }],
  aws_iam_policy: (b, d) => [
    { action: "iam:CreatePolicy", resource: `arn:aws:iam::${d.account}:policy/${b.name}` },
    { action: "iam:TagPolicy", resource: `arn:aws:iam::${d.account}:policy/${b.name}` },
  ],
  aws_iam_role: (b, d, name) => [roleCall("iam:CreateRole", b, d, name)],
  aws_iam_role_policy: (b, d, name) => [roleCall("iam:PutRolePolicy", roleBody(d.json, b.role), d, name)],
  aws_internet_gateway: (b, d, name) => [
    ...ec2Create("CreateInternetGateway", "internet-gateway")(b, d, name),
    ...ec2OnTagged("AttachInternetGateway", "vpc")(b, d, name),
  ],
  aws_kms_alias: (b, d) => [
    { action: "kms:CreateAlias", resource: arn(d, "kms", b.name) },
    { action: "kms:CreateAlias", resource: arn(d, "kms", "key/*"), context: tagged(d) },
  ],
  aws_kms_key: (_b, d) => [{ action: "kms:CreateKey", resource: "*", context: tagsOnCreate(d) }],
  aws_kms_key_policy: (_b, d) => [{ action: "kms:PutKeyPolicy", resource: arn(d, "kms", "key/*"), context: tagged(d) }],
  aws_nat_gateway: ec2Create("CreateNatGateway", "natgateway"),
  aws_redshiftserverless_namespace: (b, d, name) => [
    { action: "redshift-serverless:CreateNamespace", resource: arn(d, "redshift-serverless", "namespace/*"), context: tagsOnCreate(d) },
    ...(b.manage_admin_password
      ? [{ action: "secretsmanager:CreateSecret", resource: arn(d, "secretsmanager", `secret:redshift!${b.namespace_name}-${b.admin_username}-AbCdEf`) }]
      : []),
    ...b.iam_roles.map((r: string) => passRole(r, "redshift.amazonaws.com", name, d)),
  ],
  aws_redshiftserverless_workgroup: (_b, d) => [
    { action: "redshift-serverless:CreateWorkgroup", resource: arn(d, "redshift-serverless", "workgroup/*"), context: tagsOnCreate(d) },
  ],
  aws_route: ec2OnTagged("CreateRoute", "route-table"),
  aws_route_table: ec2Create("CreateRouteTable", "route-table"),
  aws_route_table_association: ec2OnTagged("AssociateRouteTable", "route-table"),
  aws_s3_bucket: (b) => [{ action: "s3:CreateBucket", resource: `arn:aws:s3:::${b.bucket_prefix}20261207abcdef` }],
  aws_s3_bucket_lifecycle_configuration: bucketCall("s3:PutLifecycleConfiguration"),
  aws_s3_bucket_logging: bucketCall("s3:PutBucketLogging"),
  aws_s3_bucket_notification: bucketCall("s3:PutBucketNotification"),
  aws_s3_bucket_ownership_controls: bucketCall("s3:PutBucketOwnershipControls"),
  aws_s3_bucket_policy: bucketCall("s3:PutBucketPolicy"),
  aws_s3_bucket_public_access_block: bucketCall("s3:PutBucketPublicAccessBlock"),
  aws_s3_bucket_server_side_encryption_configuration: bucketCall("s3:PutEncryptionConfiguration"),
  aws_s3_bucket_versioning: bucketCall("s3:PutBucketVersioning"),
  aws_s3_object: (b, _d, name) => [{ action: "s3:PutObject", resource: `arn:aws:s3:::${name(b.bucket)}/${b.key}` }],
  aws_secretsmanager_secret: (b, d) => [{ action: "secretsmanager:CreateSecret", resource: arn(d, "secretsmanager", `secret:${b.name}-AbCdEf`) }],
  aws_security_group: (b, d, name) => [
    ...ec2Create("CreateSecurityGroup", "security-group")(b, d, name),
    ...ec2OnTagged("CreateSecurityGroup", "vpc")(b, d, name),
  ],
  aws_sfn_state_machine: (b, d, name) => [
    { action: "states:CreateStateMachine", resource: arn(d, "states", `stateMachine:${b.name}`) },
    // hashicorp/aws 5.x validates the definition at plan time (ValidateStateMachineDefinition has no resource type).
    { action: "states:ValidateStateMachineDefinition", resource: "*", context: { "aws:RequestedRegion": d.region } },
    passRole(b.role_arn, "states.amazonaws.com", name, d),
  ],
  aws_sns_topic: (b, d) => [{ action: "sns:CreateTopic", resource: arn(d, "sns", b.name) }],
  aws_sns_topic_policy: (b, d, name) => [{ action: "sns:SetTopicAttributes", resource: arn(d, "sns", name(b.arn)) }],
  aws_sqs_queue: (b, d) => [{ action: "sqs:CreateQueue", resource: arn(d, "sqs", b.name) }],
  aws_sqs_queue_policy: (b, d, name) => [{ action: "sqs:SetQueueAttributes", resource: arn(d, "sqs", name(b.queue_url)) }],
  aws_subnet: (b, d, name) => [...ec2Create("CreateSubnet", "subnet")(b, d, name), ...ec2OnTagged("CreateSubnet", "vpc")(b, d, name)],
  aws_vpc: ec2Create("CreateVpc", "vpc"),
  aws_vpc_endpoint: ec2Create("CreateVpcEndpoint", "vpc-endpoint"),
  aws_vpc_security_group_egress_rule: ec2OnTagged("AuthorizeSecurityGroupEgress", "security-group"),
  aws_vpc_security_group_ingress_rule: ec2OnTagged("AuthorizeSecurityGroupIngress", "security-group"),
};

function roleBody(json: Json, reference: string): Json {
  const [, name] = /^\$\{aws_iam_role\.([^.]+)\./.exec(reference) ?? [];
  return json.resource.aws_iam_role[name];
}

/** The name behind a reference (`${aws_x.id.name}`, `.bucket`, `.arn`, `.url`), and the stack's locals filled in. */
export function namer(d: Deployment): (value: string) => string {
  return (value) =>
    value
      .replaceAll("${local.partition}", "aws")
      .replaceAll("${local.account_id}", d.account)
      .replace(/^\$\{([a-z0-9_]+)\.([^.}]+)\.[a-z_]+\}$/, (_, type: string, id: string) => {
        const body = d.json.resource[type][id];
        return body.name ?? body.alarm_name ?? (body.bucket_prefix ? `${body.bucket_prefix}20261207abcdef` : id);
      });
}

/** Every request the deployment of the stack makes, tagged with the resource it is for. */
export function deployRequests(d: Deployment): Array<Request & { readonly for: string }> {
  const name = namer(d);
  return Object.entries<Json>(d.json.resource).flatMap(([type, resources]) => {
    const need = DEPLOY_NEEDS[type];
    if (!need) throw new Error(`deploy-needs: no row for resource type ${type}`);
    return Object.entries<Json>(resources).flatMap(([id, body]) => need(body, d, name).map((r) => ({ ...r, for: `${type}.${id}` })));
  });
}
