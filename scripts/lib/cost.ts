import { readFileSync } from "node:fs";
import { join } from "node:path";
import { OperatorError } from "./cli";

/** The price table kept in the repo (scripts/prices/aws-prices.json). */
export const PRICES_FILE = join(__dirname, "..", "prices", "aws-prices.json");

interface RegionPrices {
  interfaceEndpointPerAzHour: number;
  natGatewayHour: number;
  publicIpv4Hour: number;
  kmsKeyMonth: number;
  secretMonth: number;
  alarmMonth: number;
  dashboardMonth: number;
}

export interface PriceTable {
  hoursPerMonth: number;
  regions: Record<string, RegionPrices>;
  /** What is billed by use; an entry with `when` applies only to a stack that has that idle line. */
  usagePriced: Array<string | { text: string; when: string }>;
}

export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  readonly unitMonthly: number;
  readonly monthly: number;
}

type Resources = Record<string, Record<string, Record<string, unknown>>>;

export function loadPrices(file = PRICES_FILE): PriceTable {
  return JSON.parse(readFileSync(file, "utf8")) as PriceTable;
}

/** What a synthesized stack bills per month while nothing runs, line by line, from the price table. */
export function idleCost(stack: { resource?: Resources }, region: string, prices: PriceTable): CostLine[] {
  const p = prices.regions[region];
  if (!p) throw new OperatorError(`no prices for region ${region} in ${PRICES_FILE} (priced: ${Object.keys(prices.regions).join(", ")}): add them`);
  const all = (type: string) => Object.values(stack.resource?.[type] ?? {});
  const h = prices.hoursPerMonth;
  const endpointAzs = all("aws_vpc_endpoint")
    .filter((e) => e.vpc_endpoint_type === "Interface")
    .reduce((n, e) => n + ((e.subnet_ids as unknown[] | undefined)?.length ?? 0), 0);
  // Redshift keeps the admin password in a secret of its own when it manages it.
  const managedSecrets = all("aws_redshiftserverless_namespace").filter((n) => n.manage_admin_password === true).length;
  const lines: Array<[string, number, number]> = [
    ["interface endpoint x AZ (hourly)", endpointAzs, p.interfaceEndpointPerAzHour * h],
    ["NAT gateway (hourly)", all("aws_nat_gateway").length, p.natGatewayHour * h],
    ["public IPv4 address", all("aws_eip").length, p.publicIpv4Hour * h],
    ["KMS customer-managed key", all("aws_kms_key").length, p.kmsKeyMonth],
    ["Secrets Manager secret", all("aws_secretsmanager_secret").length + managedSecrets, p.secretMonth],
    ["CloudWatch alarm", all("aws_cloudwatch_metric_alarm").length, p.alarmMonth],
    ["CloudWatch dashboard (first 3 per account free)", all("aws_cloudwatch_dashboard").length, p.dashboardMonth],
  ];
  return lines
    .filter(([, quantity]) => quantity > 0)
    .map(([item, quantity, unitMonthly]) => ({ item, quantity, unitMonthly, monthly: round(quantity * unitMonthly) }));
}

export function round(dollars: number): number {
  return Math.round(dollars * 100) / 100;
}

export function formatCost(stack: string, region: string, lines: CostLine[], prices: PriceTable): string {
  const total = round(lines.reduce((n, l) => n + l.monthly, 0));
  const rows = lines.map((l) => `| ${l.item} | ${l.quantity} | $${l.unitMonthly.toFixed(2)} | $${l.monthly.toFixed(2)} |`);
  return [
    `Idle monthly cost of stack ${stack} (${region}, ${prices.hoursPerMonth} h/month, prices from scripts/prices/aws-prices.json):`,
    "",
    "| item | quantity | per month each | per month |",
    "|---|---|---|---|",
    ...rows,
    `| **total while idle** | | | **$${total.toFixed(2)}** |`,
    "",
    "Billed by use on top (zero when nothing runs unless noted):",
    ...prices.usagePriced.flatMap((u) => (typeof u === "string" ? [u] : lines.some((l) => l.item === u.when) ? [u.text] : [])).map((u) => `- ${u}`),
  ].join("\n");
}
