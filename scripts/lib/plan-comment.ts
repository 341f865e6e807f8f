/**
 * The pull-request comment of a plan. The list of every resource and its action is always whole; the detailed
 * diff follows resource by resource, IAM first, then KMS, then Redshift, then the rest, and stops before the
 * comment would pass GitHub's limit, saying how many were cut and where the complete plan is.
 */

/** GitHub refuses comment bodies over 65,536 characters; the rest is room for the closing lines. */
export const GITHUB_COMMENT_LIMIT = 65_536;
const RESERVED = 1_000;

export interface PlannedChange {
  readonly address: string;
  readonly actions: readonly string[];
}

export interface PlanCommentInput {
  readonly stack: string;
  readonly headline: string;
  readonly changes: readonly PlannedChange[];
  /** `terraform plan -no-color` output. */
  readonly planText: string;
  /** Where the complete plan is (artifact name and, in CI, the run's URL). */
  readonly fullPlanAt: string;
  readonly limit?: number;
}

const SYMBOL: Record<string, string> = { create: "+", update: "~", delete: "-", "delete,create": "-/+", "create,delete": "+/-" };
/** What a reviewer must see first: who may do what, who holds the keys, where the data lives. */
const REVIEW_FIRST = [/^(module\.[^.]+\.)*aws_iam_/, /^(module\.[^.]+\.)*aws_kms_/, /^(module\.[^.]+\.)*aws_redshift/];

/** The changes that change something (not no-op, not a data source read). */
export function effectiveChanges(changes: readonly PlannedChange[]): PlannedChange[] {
  return changes.filter((c) => !(c.actions.length === 1 && (c.actions[0] === "no-op" || c.actions[0] === "read")));
}

export function countActions(changes: readonly PlannedChange[]): { create: number; update: number; delete: number } {
  const counts = { create: 0, update: 0, delete: 0 };
  for (const c of effectiveChanges(changes)) {
    if (c.actions.includes("create")) counts.create++;
    if (c.actions.includes("update")) counts.update++;
    if (c.actions.includes("delete")) counts.delete++;
  }
  return counts;
}

export function changeLine(c: PlannedChange): string {
  return `${SYMBOL[c.actions.join(",")] ?? c.actions.join(",")} ${c.address}`;
}

export function reviewRank(address: string): number {
  const rank = REVIEW_FIRST.findIndex((pattern) => pattern.test(address));
  return rank === -1 ? REVIEW_FIRST.length : rank;
}

/** The `# <address> will be ...` blocks of a plan's text, by address. */
export function resourceBlocks(planText: string): Map<string, string> {
  const blocks = new Map<string, string>();
  const starts = [...planText.matchAll(/^ {2}# (\S+) (?:will|must|has|is)\b.*$/gm)];
  starts.forEach((m, i) => {
    const end = i + 1 < starts.length ? starts[i + 1].index : endOfChanges(planText, m.index);
    blocks.set(m[1], planText.slice(m.index, end).trimEnd());
  });
  return blocks;
}

function endOfChanges(text: string, from: number): number {
  const summary = text.slice(from).search(/^Plan: /m);
  return summary === -1 ? text.length : from + summary;
}

export function planComment(input: PlanCommentInput): string {
  const limit = (input.limit ?? GITHUB_COMMENT_LIMIT) - RESERVED;
  const changes = effectiveChanges(input.changes);
  const ordered = [...changes].sort((a, b) => reviewRank(a.address) - reviewRank(b.address) || a.address.localeCompare(b.address));
  const head = [
    `<!-- plan:${input.stack} -->`,
    `### Terraform plan: \`${input.stack}\``,
    `**${input.headline}**`,
    "",
    `<details><summary>All ${changes.length} resources</summary>`,
    "",
    "```diff",
    ...ordered.map(changeLine),
    "```",
    "</details>",
    "",
    "<details><summary>Changes in detail (IAM, KMS and Redshift first)</summary>",
    "",
  ].join("\n");
  const blocks = resourceBlocks(input.planText);
  let body = head;
  let shown = 0;
  for (const c of ordered) {
    const block = blocks.get(c.address);
    if (!block) continue;
    const piece = `\n\`\`\`diff\n${block}\n\`\`\`\n`;
    if (body.length + piece.length > limit) break;
    body += piece;
    shown++;
  }
  const detailed = ordered.filter((c) => blocks.has(c.address)).length;
  const cut = detailed - shown;
  const tail = cut
    ? `\n**Cut: the details of ${cut} of ${detailed} resources are not shown** (GitHub's comment limit). Complete plan: ${input.fullPlanAt}.\n`
    : `\nComplete plan: ${input.fullPlanAt}.\n`;
  return `${body}${tail}</details>\n`;
}
