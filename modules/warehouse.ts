import { RedshiftserverlessNamespace } from "@cdktf/provider-aws/lib/redshiftserverless-namespace";
import { RedshiftserverlessWorkgroup } from "@cdktf/provider-aws/lib/redshiftserverless-workgroup";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { Construct } from "constructs";
import { PipelineKey } from "./encryption";
import { ServiceRole } from "./iam";
import type { ResourceNames } from "./naming";

export interface WarehouseLayerProps {
  readonly names: ResourceNames;
  readonly kmsKeyArn: string;
  readonly subnetIds: string[];
  readonly securityGroupId: string;
  readonly databaseName: string;
  readonly adminUsername: string;
  readonly baseCapacityRpu: number;
  /** Most RPUs the workgroup may scale to (and bill). */
  readonly maxCapacityRpu: number;
  /** Days a deleted ETL-user secret stays restorable (0: deleted at once, its name free for a re-created stack). */
  readonly secretRecoveryDays: number;
  readonly dataBucketArn: string;
  /** Objects COPY and Glue's staging COPY/UNLOAD read through the namespace role. */
  readonly readableObjectArns: string[];
  /** Objects UNLOAD writes (Glue reads Redshift tables through UNLOAD to its temp dir). */
  readonly writableObjectArns: string[];
  /** Key prefixes of those objects, for the ListBucket condition. */
  readonly listablePrefixes: string[];
}

/** Redshift Serverless: a namespace with a Redshift-managed admin secret and a COPY role, and a private workgroup on three subnets. */
export class WarehouseLayer extends Construct {
  readonly namespaceName: string;
  readonly workgroupName: string;
  readonly workgroupArn: string;
  readonly databaseName: string;
  /** Secrets Manager secret Redshift creates and rotates for the admin user. */
  readonly adminSecretArn: string;
  /** Secret of the Glue job's own database user ({"username", "password"}); seed:warehouse sets its value. */
  readonly etlSecretArn: string;
  readonly copyRoleArn: string;
  readonly endpointAddress: string;
  readonly endpointPort: number;

  constructor(scope: Construct, id: string, props: WarehouseLayerProps) {
    super(scope, id);
    const { names } = props;
    const copyRole = new ServiceRole(this, "copy-role", {
      name: names.name("warehouse", "s3-access", "iamRole"),
      description: "Redshift COPY/UNLOAD between the data bucket and the warehouse",
      servicePrincipals: ["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"],
      policies: {
        "read-data": [
          { sid: "ReadLoadableObjects", actions: ["s3:GetObject"], resources: props.readableObjectArns },
          {
            sid: "ListLoadablePrefixes",
            actions: ["s3:ListBucket"],
            resources: [props.dataBucketArn],
            conditions: { StringLike: { "s3:prefix": props.listablePrefixes.map((p) => `${p}*`) } },
          },
          // Redshift's COPY/UNLOAD permission list includes it; its requests carry no s3:prefix, so it stands alone.
          { sid: "LocateDataBucket", actions: ["s3:GetBucketLocation"], resources: [props.dataBucketArn] },
        ],
        "unload-temp": [{ sid: "WriteGlueTemp", actions: ["s3:PutObject"], resources: props.writableObjectArns }],
        "use-key": [{ sid: "UseDataKey", actions: PipelineKey.USE_ACTIONS, resources: [props.kmsKeyArn] }],
      },
    });
    const namespace = new RedshiftserverlessNamespace(this, "namespace", {
      namespaceName: names.name("warehouse", "ns", "redshift"),
      dbName: props.databaseName,
      adminUsername: props.adminUsername,
      manageAdminPassword: true,
      adminPasswordSecretKmsKeyId: props.kmsKeyArn,
      kmsKeyId: props.kmsKeyArn,
      iamRoles: [copyRole.arn],
      defaultIamRoleArn: copyRole.arn,
      logExports: ["useractivitylog", "userlog", "connectionlog"],
    });
    const workgroup = new RedshiftserverlessWorkgroup(this, "workgroup", {
      workgroupName: names.name("warehouse", "wg", "redshift"),
      namespaceName: namespace.namespaceName,
      baseCapacity: props.baseCapacityRpu,
      maxCapacity: props.maxCapacityRpu,
      subnetIds: props.subnetIds,
      securityGroupIds: [props.securityGroupId],
      publiclyAccessible: false,
      enhancedVpcRouting: true,
      configParameter: [
        { parameterKey: "require_ssl", parameterValue: "true" },
        { parameterKey: "enable_user_activity_logging", parameterValue: "true" },
      ],
    });
    // No value here: the password would land in the Terraform state. seed:warehouse creates the user and sets it.
    const etlSecret = new SecretsmanagerSecret(this, "etl-user-secret", {
      name: names.name("warehouse", "etl-user"),
      description: "Redshift user of the Glue job and the JDBC crawler: {username, password}, set by npm run seed:warehouse",
      kmsKeyId: props.kmsKeyArn,
      recoveryWindowInDays: props.secretRecoveryDays,
    });
    this.etlSecretArn = etlSecret.arn;
    this.namespaceName = namespace.namespaceName;
    this.workgroupName = workgroup.workgroupName;
    this.workgroupArn = workgroup.arn;
    this.databaseName = props.databaseName;
    this.adminSecretArn = namespace.adminPasswordSecretArn;
    this.copyRoleArn = copyRole.arn;
    this.endpointAddress = workgroup.endpoint.get(0).address;
    this.endpointPort = workgroup.endpoint.get(0).port;
  }
}
