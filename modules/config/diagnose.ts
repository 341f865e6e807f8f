/**
 * Turning a config problem into one line a person can act on: where a broken JSON file breaks (line and column),
 * which known key an unknown one was probably meant to be, and what is wrong with a network address.
 */

/** Line and column (1-based) of a character offset in a text. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** JSON.parse's message with the position it names given as line and column. */
export function jsonErrorWhere(message: string, text: string): string {
  const at = /at position (\d+)/.exec(message);
  if (!at) return message;
  const { line, column } = lineAndColumn(text, Number(at[1]));
  return `${message.replace(/\s*\(line \d+ column \d+\)/, "").replace(/ in JSON at position \d+/, "")} at line ${line}, column ${column}`;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The candidate closest to `key` when it is close enough to be a typo (at most a third of its letters off). */
export function nearest(key: string, candidates: readonly string[]): string | undefined {
  const scored = candidates.map((c) => ({ c, d: distance(key, c.slice(c.lastIndexOf(".") + 1)) })).sort((x, y) => x.d - y.d);
  return scored.length && scored[0].d <= Math.max(1, Math.floor(key.length / 3)) ? scored[0].c : undefined;
}

/** What is wrong with an IPv4 CIDR block for the VPC (/16 to /23), or undefined when it is right. */
export function vpcCidrProblem(value: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!m) return "must be an IPv4 CIDR block such as 10.40.0.0/16";
  const octets = m.slice(1, 5).map(Number);
  const over = octets.find((o) => o > 255);
  if (over !== undefined) return `${over} is not an address byte (0 to 255)`;
  const prefix = Number(m[5]);
  if (prefix < 16 || prefix > 23) return "must be from /16 to /23 (its subnets are 4 bits smaller, and Redshift needs at least /27)";
  const address = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (address % size) {
    const network = address - (address % size);
    const text = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join(".");
    return `has host bits set: the block is ${text}/${prefix}`;
  }
  return undefined;
}
