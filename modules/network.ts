import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { SUBNET_PREFIX_BITS } from "./config/schema";
import { ServiceRole } from "./iam";
import type { ResourceNames } from "./naming";

/** AWS APIs the Glue job calls from inside the VPC besides S3 (catalog, connection secret, continuous logs, metrics, KMS). */
export const GLUE_INTERFACE_ENDPOINT_SERVICES = ["glue", "secretsmanager", "logs", "monitoring", "sts", "kms"] as const;

export interface NetworkLayerProps {
  readonly names: ResourceNames;
  readonly region: string;
  /** VPC CIDR; private subnets are its first three /20s (or smaller, per the CIDR). */
  readonly vpcCidr: string;
  /** AZ letters, at least three (Redshift Serverless). */
  readonly availabilityZones: readonly string[];
  /** How the Glue job reaches AWS APIs other than S3. */
  readonly awsApiAccess: "interface-endpoints" | "nat";
  /** Key of the flow log group. */
  readonly kmsKeyArn: string;
  readonly flowLogRetentionDays: number;
}

/** VPC, private subnets in three AZs, S3 gateway endpoint and the security groups of Glue and Redshift. */
export class NetworkLayer extends Construct {
  readonly vpcId: string;
  readonly vpcArn: string;
  readonly privateSubnetIds: string[];
  /** The subnet and AZ the Glue connection runs the job in. */
  readonly glueSubnetId: string;
  readonly glueSubnetArn: string;
  readonly glueAvailabilityZone: string;
  readonly glueSecurityGroupId: string;
  readonly glueSecurityGroupArn: string;
  readonly redshiftSecurityGroupId: string;

  constructor(scope: Construct, id: string, props: NetworkLayerProps) {
    super(scope, id);
    const { names } = props;
    const vpc = new Vpc(this, "vpc", {
      cidrBlock: props.vpcCidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: names.name("network", "vpc") },
    });
    this.flowLogs(vpc.id, props);
    // Nothing may use the default security group: it allows all traffic between its members.
    new DefaultSecurityGroup(this, "default-sg", { vpcId: vpc.id, tags: { Name: names.name("network", "default-unused") } });

    const azs = props.availabilityZones.map((letter) => `${props.region}${letter}`);
    const privateRoutes = new RouteTable(this, "private-routes", { vpcId: vpc.id, tags: { Name: names.name("network", "private") } });
    const subnets = azs.map((az, i) => {
      const subnet = new Subnet(this, `private-${i}`, {
        vpcId: vpc.id,
        availabilityZone: az,
        cidrBlock: Fn.cidrsubnet(props.vpcCidr, SUBNET_PREFIX_BITS, i),
        tags: { Name: names.name("network", `private-${az}`) },
      });
      new RouteTableAssociation(this, `private-${i}-routes`, { subnetId: subnet.id, routeTableId: privateRoutes.id });
      return subnet;
    });

    const s3Endpoint = new VpcEndpoint(this, "s3-endpoint", {
      vpcId: vpc.id,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: [privateRoutes.id],
      tags: { Name: names.name("network", "s3") },
    });

    const glueSg = this.securityGroup(vpc.id, names, "glue", "Glue job ENIs (Glue requires a self-referencing all-TCP rule)");
    const redshiftSg = this.securityGroup(vpc.id, names, "redshift", "Redshift Serverless workgroup: port 5439 from Glue only");

    // Glue's ENIs talk to each other on all TCP ports (Glue's documented requirement for connections).
    const allTcpAmongGlue = {
      securityGroupId: glueSg.id,
      referencedSecurityGroupId: glueSg.id,
      ipProtocol: "tcp",
      fromPort: 0,
      toPort: 65535,
      description: "Glue workers to each other",
    };
    new VpcSecurityGroupIngressRule(this, "glue-self-in", allTcpAmongGlue);
    new VpcSecurityGroupEgressRule(this, "glue-self-out", allTcpAmongGlue);
    new VpcSecurityGroupEgressRule(this, "glue-to-redshift", {
      securityGroupId: glueSg.id,
      referencedSecurityGroupId: redshiftSg.id,
      ipProtocol: "tcp",
      fromPort: 5439,
      toPort: 5439,
      description: "JDBC to Redshift",
    });
    new VpcSecurityGroupIngressRule(this, "redshift-from-glue", {
      securityGroupId: redshiftSg.id,
      referencedSecurityGroupId: glueSg.id,
      ipProtocol: "tcp",
      fromPort: 5439,
      toPort: 5439,
      description: "JDBC from Glue",
    });
    for (const [sgId, who] of [
      [glueSg.id, "glue"],
      [redshiftSg.id, "redshift"],
    ] as const) {
      new VpcSecurityGroupEgressRule(this, `${who}-to-s3`, {
        securityGroupId: sgId,
        prefixListId: s3Endpoint.prefixListId,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "HTTPS to S3 through the gateway endpoint",
      });
    }

    if (props.awsApiAccess === "interface-endpoints") {
      // Only Glue calls AWS APIs from inside the VPC, from its one subnet: endpoints there cost a third of three AZs.
      this.interfaceEndpoints(vpc.id, names, props.region, [subnets[0].id], glueSg.id);
    } else {
      this.natGateway(vpc.id, names, props.vpcCidr, azs[0], privateRoutes.id);
      new VpcSecurityGroupEgressRule(this, "glue-to-aws-apis", {
        securityGroupId: glueSg.id,
        cidrIpv4: "0.0.0.0/0",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "HTTPS to AWS APIs through the NAT gateway",
      });
    }

    this.vpcId = vpc.id;
    this.vpcArn = vpc.arn;
    this.privateSubnetIds = subnets.map((s) => s.id);
    this.glueSubnetId = subnets[0].id;
    this.glueSubnetArn = subnets[0].arn;
    this.glueAvailabilityZone = azs[0];
    this.glueSecurityGroupId = glueSg.id;
    this.glueSecurityGroupArn = glueSg.arn;
    this.redshiftSecurityGroupId = redshiftSg.id;
  }

  /** Every accepted and rejected flow of the VPC, to an encrypted log group. */
  private flowLogs(vpcId: string, props: NetworkLayerProps): void {
    const group = new CloudwatchLogGroup(this, "flow-logs", {
      name: props.names.logGroup("vpc", "flow-logs"),
      retentionInDays: props.flowLogRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    const role = new ServiceRole(this, "flow-logs-role", {
      name: props.names.name("network", "flow-logs", "iamRole"),
      description: "VPC flow logs delivery to CloudWatch Logs",
      servicePrincipals: ["vpc-flow-logs.amazonaws.com"],
      policies: {
        deliver: [
          {
            sid: "DeliverFlowLogs",
            actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            resources: [group.arn, `${group.arn}:log-stream:*`],
          },
          {
            sid: "FindFlowLogGroup",
            actions: ["logs:DescribeLogGroups"],
            resources: ["*"],
            wildcardReason: "logs:DescribeLogGroups lists groups and takes no log-group resource (Service Authorization Reference)",
          },
        ],
      },
    });
    new FlowLog(this, "flow-log", {
      vpcId,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: group.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 600,
    });
  }

  private securityGroup(vpcId: string, names: ResourceNames, purpose: string, description: string): SecurityGroup {
    const name = names.name("network", purpose);
    return new SecurityGroup(this, `${purpose}-sg`, { vpcId, name, description, tags: { Name: name } });
  }

  private interfaceEndpoints(vpcId: string, names: ResourceNames, region: string, subnetIds: string[], glueSgId: string): void {
    const endpointSg = this.securityGroup(vpcId, names, "endpoints", "AWS API interface endpoints: HTTPS from Glue");
    new VpcSecurityGroupIngressRule(this, "endpoints-from-glue", {
      securityGroupId: endpointSg.id,
      referencedSecurityGroupId: glueSgId,
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      description: "HTTPS from Glue",
    });
    new VpcSecurityGroupEgressRule(this, "glue-to-endpoints", {
      securityGroupId: glueSgId,
      referencedSecurityGroupId: endpointSg.id,
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      description: "HTTPS to AWS API endpoints",
    });
    for (const service of GLUE_INTERFACE_ENDPOINT_SERVICES) {
      new VpcEndpoint(this, `${service}-endpoint`, {
        vpcId,
        serviceName: `com.amazonaws.${region}.${service}`,
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds,
        securityGroupIds: [endpointSg.id],
        tags: { Name: names.name("network", service) },
      });
    }
  }

  private natGateway(vpcId: string, names: ResourceNames, vpcCidr: string, az: string, privateRouteTableId: string): void {
    const igw = new InternetGateway(this, "igw", { vpcId, tags: { Name: names.name("network", "igw") } });
    const publicSubnet = new Subnet(this, "public-nat", {
      vpcId,
      availabilityZone: az,
      cidrBlock: Fn.cidrsubnet(vpcCidr, SUBNET_PREFIX_BITS, 2 ** SUBNET_PREFIX_BITS - 1),
      mapPublicIpOnLaunch: false,
      tags: { Name: names.name("network", "public-nat") },
    });
    const publicRoutes = new RouteTable(this, "public-routes", { vpcId, tags: { Name: names.name("network", "public") } });
    new Route(this, "public-default", { routeTableId: publicRoutes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id });
    new RouteTableAssociation(this, "public-nat-routes", { subnetId: publicSubnet.id, routeTableId: publicRoutes.id });
    const eip = new Eip(this, "nat-eip", { domain: "vpc", tags: { Name: names.name("network", "nat") } });
    const nat = new NatGateway(this, "nat", {
      subnetId: publicSubnet.id,
      allocationId: eip.id,
      tags: { Name: names.name("network", "nat") },
      dependsOn: [igw],
    });
    new Route(this, "private-default", { routeTableId: privateRouteTableId, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id });
  }
}
