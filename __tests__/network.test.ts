import { GLUE_INTERFACE_ENDPOINT_SERVICES } from "../modules/network";
import { bodies, only, ref, roleStatements, synth } from "./support/synth";

describe("NetworkLayer", () => {
  const dev = synth("dev");
  const sg = (purpose: string) => ref(dev, "aws_security_group", (b) => b.name.endsWith(`-network-${purpose}`), "id");

  it("puts three private subnets in three Availability Zones", () => {
    const subnets = bodies(dev, "aws_subnet");
    expect(subnets.map((s) => s.availability_zone).sort()).toStrictEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
    expect(subnets.every((s) => !s.map_public_ip_on_launch)).toBe(true);
  });

  it("routes S3 through a gateway endpoint", () => {
    const s3 = only(dev, "aws_vpc_endpoint", (e) => e.vpc_endpoint_type === "Gateway");
    expect(s3.service_name).toBe("com.amazonaws.us-east-1.s3");
    expect(s3.route_table_ids).toHaveLength(1);
  });

  it("gives Glue a self-referencing all-TCP rule and Redshift port 5439 from Glue only", () => {
    const ingress = bodies(dev, "aws_vpc_security_group_ingress_rule");
    expect(ingress).toContainEqual(
      expect.objectContaining({ security_group_id: sg("glue"), referenced_security_group_id: sg("glue"), ip_protocol: "tcp", from_port: 0, to_port: 65535 }),
    );
    const toRedshift = ingress.filter((r) => r.security_group_id === sg("redshift"));
    expect(toRedshift).toStrictEqual([expect.objectContaining({ referenced_security_group_id: sg("glue"), from_port: 5439, to_port: 5439 })]);
    expect(ingress.some((r) => r.cidr_ipv4)).toBe(false);
  });

  it("reaches AWS APIs through interface endpoints in dev and a NAT gateway in prod (config)", () => {
    const services = bodies(dev, "aws_vpc_endpoint")
      .filter((e) => e.vpc_endpoint_type === "Interface")
      .map((e) => e.service_name.split(".").pop());
    expect(services.sort()).toStrictEqual([...GLUE_INTERFACE_ENDPOINT_SERVICES].sort());
    expect(bodies(dev, "aws_nat_gateway")).toHaveLength(0);
    const prod = synth("prod");
    expect(bodies(prod, "aws_nat_gateway")).toHaveLength(1);
    expect(bodies(prod, "aws_vpc_endpoint").filter((e) => e.vpc_endpoint_type === "Interface")).toHaveLength(0);
  });
  /** A reference as a short name: sg:glue, subnet:private-0, s3-prefix-list, ... */
  function short(value: string | undefined): string | undefined {
    return value
      ?.replace(/^\$\{aws_security_group\.network_([a-z]+)-sg_\w+\.id\}$/, "sg:$1")
      .replace(/^\$\{aws_vpc_endpoint\.network_s3-endpoint_\w+\.prefix_list_id\}$/, "s3-prefix-list")
      .replace(/^\$\{aws_subnet\.network_([a-z0-9-]+)_\w+\.id\}$/, "subnet:$1")
      .replace(/^\$\{aws_route_table\.network_([a-z]+)-routes_\w+\.id\}$/, "routes:$1")
      .replace(/^\$\{aws_vpc\.network_vpc_\w+\.id\}$/, "vpc");
  }
  const rules = (stack: typeof dev, type: string) =>
    bodies(stack, type)
      .map((r) =>
        [
          short(r.security_group_id),
          short(r.referenced_security_group_id ?? r.prefix_list_id ?? r.cidr_ipv4),
          r.ip_protocol,
          r.from_port,
          r.to_port,
          r.description,
        ].join(" | "),
      )
      .sort();

  it("allows exactly these flows: Glue to itself, to Redshift, to S3 and to the API endpoints; Redshift to S3", () => {
    expect(rules(dev, "aws_vpc_security_group_ingress_rule")).toStrictEqual([
      "sg:endpoints | sg:glue | tcp | 443 | 443 | HTTPS from Glue",
      "sg:glue | sg:glue | tcp | 0 | 65535 | Glue workers to each other",
      "sg:redshift | sg:glue | tcp | 5439 | 5439 | JDBC from Glue",
    ]);
    expect(rules(dev, "aws_vpc_security_group_egress_rule")).toStrictEqual([
      "sg:glue | s3-prefix-list | tcp | 443 | 443 | HTTPS to S3 through the gateway endpoint",
      "sg:glue | sg:endpoints | tcp | 443 | 443 | HTTPS to AWS API endpoints",
      "sg:glue | sg:glue | tcp | 0 | 65535 | Glue workers to each other",
      "sg:glue | sg:redshift | tcp | 5439 | 5439 | JDBC to Redshift",
      "sg:redshift | s3-prefix-list | tcp | 443 | 443 | HTTPS to S3 through the gateway endpoint",
    ]);
    expect(bodies(dev, "aws_security_group").every((g) => short(g.vpc_id) === "vpc" && g.tags.Name === g.name)).toBe(true);
  });

  it("lets Glue reach AWS APIs over HTTPS through the NAT gateway where the config chooses it", () => {
    expect(rules(synth("prod"), "aws_vpc_security_group_egress_rule")).toContain(
      "sg:glue | 0.0.0.0/0 | tcp | 443 | 443 | HTTPS to AWS APIs through the NAT gateway",
    );
    expect(rules(dev, "aws_vpc_security_group_egress_rule").join("\n")).not.toContain("0.0.0.0/0");
  });

  it("builds a DNS-enabled VPC whose default security group is taken over with no rules", () => {
    expect(only(dev, "aws_vpc")).toStrictEqual({
      cidr_block: "10.40.0.0/16",
      enable_dns_hostnames: true,
      enable_dns_support: true,
      tags: { Name: "airline-ingest-dev-network-vpc" },
    });
    const adopted = only(dev, "aws_default_security_group");
    expect(short(adopted.vpc_id)).toBe("vpc");
    expect(adopted.ingress ?? []).toStrictEqual([]);
    expect(adopted.egress ?? []).toStrictEqual([]);
  });

  it("cuts the private subnets from the VPC CIDR in order and routes all three through the one private table", () => {
    expect(bodies(dev, "aws_subnet").map((s) => [s.availability_zone, s.cidr_block, short(s.vpc_id)])).toStrictEqual([
      ["us-east-1a", '${cidrsubnet("10.40.0.0/16", 4, 0)}', "vpc"],
      ["us-east-1b", '${cidrsubnet("10.40.0.0/16", 4, 1)}', "vpc"],
      ["us-east-1c", '${cidrsubnet("10.40.0.0/16", 4, 2)}', "vpc"],
    ]);
    expect(bodies(dev, "aws_route_table_association").map((a) => [short(a.subnet_id), short(a.route_table_id)])).toStrictEqual([
      ["subnet:private-0", "routes:private"],
      ["subnet:private-1", "routes:private"],
      ["subnet:private-2", "routes:private"],
    ]);
    expect(short(only(dev, "aws_vpc_endpoint", (e) => e.vpc_endpoint_type === "Gateway").route_table_ids[0])).toBe("routes:private");
    expect(short(only(dev, "aws_route_table").vpc_id)).toBe("vpc");
  });

  it("puts each interface endpoint in the Glue subnet behind the endpoints group, with private DNS", () => {
    for (const endpoint of bodies(dev, "aws_vpc_endpoint").filter((e) => e.vpc_endpoint_type === "Interface")) {
      expect([endpoint.private_dns_enabled, endpoint.subnet_ids.map(short), endpoint.security_group_ids.map(short), short(endpoint.vpc_id)]).toStrictEqual([
        true,
        ["subnet:private-0"],
        ["sg:endpoints"],
        "vpc",
      ]);
    }
  });

  it("sends every flow of the VPC to an encrypted log group through a role only VPC flow logs may assume", () => {
    const group = ref(dev, "aws_cloudwatch_log_group", (g) => g.name.endsWith("/flow-logs"), "arn");
    const role = only(dev, "aws_iam_role", (r) => r.name.endsWith("-network-flow-logs"));
    expect(only(dev, "aws_flow_log")).toStrictEqual({
      vpc_id: expect.stringMatching(/^\$\{aws_vpc\./),
      traffic_type: "ALL",
      log_destination_type: "cloud-watch-logs",
      log_destination: group,
      iam_role_arn: ref(dev, "aws_iam_role", (r) => r === role, "arn"),
      max_aggregation_interval: 600,
    });
    expect(JSON.parse(role.assume_role_policy).Statement[0].Principal.Service).toStrictEqual(["vpc-flow-logs.amazonaws.com"]);
    expect(roleStatements(dev, "network-flow-logs")).toStrictEqual([
      {
        Sid: "DeliverFlowLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [group, `${group}:log-stream:*`],
      },
      // DescribeLogGroups takes no log-group resource: on its own, with AWS's reason.
      { Sid: "FindFlowLogGroup", Effect: "Allow", Action: ["logs:DescribeLogGroups"], Resource: ["*"] },
    ]);
    expect(only(dev, "aws_cloudwatch_log_group", (g) => g.name.endsWith("/flow-logs"))).toMatchObject({
      retention_in_days: 365,
      kms_key_id: ref(dev, "aws_kms_key", () => true, "arn"),
    });
  });

  it("puts the NAT gateway in a public subnet cut from the end of the VPC CIDR, behind an internet gateway", () => {
    const prod = synth("prod");
    const id = (type: string) => ref(prod, type, () => true, "id");
    const publicSubnet = only(prod, "aws_subnet", (s) => s.tags.Name.endsWith("-public-nat"));
    expect(publicSubnet).toMatchObject({ availability_zone: "us-east-1a", cidr_block: '${cidrsubnet("10.41.0.0/16", 4, 15)}', map_public_ip_on_launch: false });
    const subnetId = ref(prod, "aws_subnet", (s) => s === publicSubnet, "id");
    expect(only(prod, "aws_eip").domain).toBe("vpc");
    expect(only(prod, "aws_nat_gateway")).toMatchObject({
      subnet_id: subnetId,
      allocation_id: id("aws_eip"),
      depends_on: [expect.stringMatching(/^aws_internet_gateway\./)],
    });
    const publicRoutes = ref(prod, "aws_route_table", (t) => t.tags.Name.endsWith("-public"), "id");
    const privateRoutes = ref(prod, "aws_route_table", (t) => t.tags.Name.endsWith("-private"), "id");
    expect(
      bodies(prod, "aws_route")
        .map((r) => [r.route_table_id, r.destination_cidr_block, r.gateway_id ?? r.nat_gateway_id])
        .sort(),
    ).toStrictEqual(
      [
        [publicRoutes, "0.0.0.0/0", id("aws_internet_gateway")],
        [privateRoutes, "0.0.0.0/0", id("aws_nat_gateway")],
      ].sort(),
    );
    expect(only(prod, "aws_route_table_association", (a) => a.subnet_id === subnetId).route_table_id).toBe(publicRoutes);
  });

  it("names every resource of the NAT path, and the subnets and route tables beside it, after the stack (prod)", () => {
    const prod = synth("prod");
    const named = ["aws_internet_gateway", "aws_subnet", "aws_route_table", "aws_eip", "aws_nat_gateway"].flatMap((type) =>
      bodies(prod, type).map((b) => `${type} ${b.tags.Name}`),
    );
    expect(named.sort()).toStrictEqual([
      "aws_eip airline-ingest-prod-network-nat",
      "aws_internet_gateway airline-ingest-prod-network-igw",
      "aws_nat_gateway airline-ingest-prod-network-nat",
      "aws_route_table airline-ingest-prod-network-private",
      "aws_route_table airline-ingest-prod-network-public",
      "aws_subnet airline-ingest-prod-network-private-us-east-1a",
      "aws_subnet airline-ingest-prod-network-private-us-east-1b",
      "aws_subnet airline-ingest-prod-network-private-us-east-1c",
      "aws_subnet airline-ingest-prod-network-public-nat",
    ]);
  });
});
