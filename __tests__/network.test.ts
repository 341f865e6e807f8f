import { GLUE_INTERFACE_ENDPOINT_SERVICES } from "../modules/network";
import { bodies, only, ref, synth } from "./support/synth";

describe("NetworkLayer", () => {
  const dev = synth("dev");
  const sg = (purpose: string) => ref(dev, "aws_security_group", (b) => b.name.endsWith(`-network-${purpose}`), "id");

  it("puts three private subnets in three Availability Zones", () => {
    const subnets = bodies(dev, "aws_subnet");
    expect(subnets.map((s) => s.availability_zone).sort()).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
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
    expect(toRedshift).toEqual([expect.objectContaining({ referenced_security_group_id: sg("glue"), from_port: 5439, to_port: 5439 })]);
    expect(ingress.some((r) => r.cidr_ipv4)).toBe(false);
  });

  it("reaches AWS APIs through interface endpoints in dev and a NAT gateway in prod (config)", () => {
    const services = bodies(dev, "aws_vpc_endpoint")
      .filter((e) => e.vpc_endpoint_type === "Interface")
      .map((e) => e.service_name.split(".").pop());
    expect(services.sort()).toEqual([...GLUE_INTERFACE_ENDPOINT_SERVICES].sort());
    expect(bodies(dev, "aws_nat_gateway")).toHaveLength(0);
    const prod = synth("prod");
    expect(bodies(prod, "aws_nat_gateway")).toHaveLength(1);
    expect(bodies(prod, "aws_vpc_endpoint").filter((e) => e.vpc_endpoint_type === "Interface")).toHaveLength(0);
  });
});
