import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatCost, idleCost, loadPrices } from "../scripts/lib/cost";
import { runScript } from "./support/run-script";
import { bodies, ref, synth } from "./support/synth";

const prices = loadPrices();

describe("idle monthly cost (npm run cost)", () => {
  // Hand-computed from the us-east-1 list prices: endpoint $0.01/AZ-hour, NAT $0.045/h, IPv4 $0.005/h, 730 h.
  it("dev: six interface endpoints in the Glue subnet only, one key, two secrets, five alarms, a dashboard = $49.10", () => {
    const lines = idleCost(synth("dev"), "us-east-1", prices);
    expect(lines.map((l) => [l.item, l.quantity, l.monthly])).toStrictEqual([
      ["interface endpoint x AZ (hourly)", 6, 43.8],
      ["KMS customer-managed key", 1, 1],
      ["Secrets Manager secret", 2, 0.8],
      ["CloudWatch alarm", 5, 0.5],
      ["CloudWatch dashboard (first 3 per account free)", 1, 3],
    ]);
    expect(formatCost("dev", "us-east-1", lines, prices)).toContain("| **total while idle** | | | **$49.10** |");
  });

  it("prod: a NAT gateway and its public IPv4 address instead of endpoints = $41.80", () => {
    const lines = idleCost(synth("prod"), "us-east-1", prices);
    expect(lines.map((l) => [l.item, l.quantity, l.monthly])).toStrictEqual([
      ["NAT gateway (hourly)", 1, 32.85],
      ["public IPv4 address", 1, 3.65],
      ["KMS customer-managed key", 1, 1],
      ["Secrets Manager secret", 2, 0.8],
      ["CloudWatch alarm", 5, 0.5],
      ["CloudWatch dashboard (first 3 per account free)", 1, 3],
    ]);
    expect(formatCost("prod", "us-east-1", lines, prices)).toContain("**$41.80**");
  });

  it("puts the interface endpoints where their only user runs: the Glue connection's subnet", () => {
    const dev = synth("dev");
    const interfaces = bodies(dev, "aws_vpc_endpoint").filter((e) => e.vpc_endpoint_type === "Interface");
    expect(interfaces).toHaveLength(6);
    const subnetOfConnection = bodies(dev, "aws_glue_connection")[0].physical_connection_requirements.subnet_id;
    expect(interfaces.every((e) => JSON.stringify(e.subnet_ids) === JSON.stringify([subnetOfConnection]))).toBe(true);
    expect(subnetOfConnection).toBe(ref(dev, "aws_subnet", (s) => s.tags.Name.endsWith("private-a") || s.availability_zone === "us-east-1a", "id"));
  });

  it("refuses a region the table does not price, naming the file", () => {
    expect(() => idleCost(synth("dev"), "ap-south-2", prices)).toThrow(
      /no prices for region ap-south-2 in .*aws-prices\.json \(priced: us-east-1, eu-west-1\): add them/,
    );
  });

  it("counts only interface endpoints, per subnet, and a secret only for a namespace that manages its password", () => {
    const stack = {
      resource: {
        aws_vpc_endpoint: {
          s3: { vpc_endpoint_type: "Gateway", subnet_ids: ["a", "b"] },
          glue: { vpc_endpoint_type: "Interface", subnet_ids: ["a", "b", "c"] },
          none: { vpc_endpoint_type: "Interface" },
        },
        aws_redshiftserverless_namespace: { own: { manage_admin_password: true }, given: { manage_admin_password: false } },
      },
    };
    expect(idleCost(stack, "us-east-1", prices).map((l) => [l.item, l.quantity])).toStrictEqual([
      ["interface endpoint x AZ (hourly)", 3],
      ["Secrets Manager secret", 1],
    ]);
    expect(idleCost({}, "us-east-1", prices)).toStrictEqual([]);
  });

  it.each([
    ["dev", "Interface endpoints: per GB processed", "NAT gateway: per GB processed"],
    ["prod", "NAT gateway: per GB processed", "Interface endpoints: per GB processed"],
  ])("%s: lists by-use prices only for what the stack has (%s, not %s)", (stack, has, hasNot) => {
    // The stack synthesized in this test, not whatever cdktf.out holds (a fresh clone has none).
    const stacks = mkdtempSync(join(tmpdir(), "stacks-"));
    mkdirSync(join(stacks, stack));
    writeFileSync(join(stacks, stack, "cdk.tf.json"), JSON.stringify(synth(stack)));
    const r = runScript("cost", ["--stack", stack], { CDKTF_STACKS_DIR: stacks });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`- ${has}`);
    expect(r.stdout).not.toContain(hasNot);
  });

  it("ends the printed table with what is billed by use", () => {
    const text = formatCost("dev", "us-east-1", [], { ...prices, usagePriced: ["Glue: per DPU-hour", "S3: per GB"] });
    expect(text.split("\n")[0]).toBe(
      `Idle monthly cost of stack dev (us-east-1, ${prices.hoursPerMonth} h/month, prices from scripts/prices/aws-prices.json):`,
    );
    expect(
      text.endsWith(
        "| **total while idle** | | | **$0.00** |\n\nBilled by use on top (zero when nothing runs unless noted):\n- Glue: per DPU-hour\n- S3: per GB",
      ),
    ).toBe(true);
  });

  it("prints the table for a synthesized stack, and one line for one that is not", () => {
    const r = runScript("cost", ["--stack", "dev"], { CDKTF_STACKS_DIR: "/nonexistent" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('error: stack "dev" is not synthesized (/nonexistent/dev/cdk.tf.json missing): run npm run synth');
  });
});

describe("scripts/README.md's cost figures", () => {
  it("are the cost command's output for the shipped config", () => {
    const readme = readFileSync(join(__dirname, "..", "scripts", "README.md"), "utf8");
    for (const stack of ["dev", "prod"]) {
      expect(readme).toContain(formatCost(stack, "us-east-1", idleCost(synth(stack), "us-east-1", prices), prices).split("\n\nBilled by use")[0]);
    }
  });
});
