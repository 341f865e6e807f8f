import { parse } from "csv-parse/sync";
import { OperatorError } from "./cli";

/**
 * Refuses an airport file whose airport_id repeats, naming the id and its lines, before anything loads: Redshift
 * does not enforce the dimension's primary key, and the Glue job stops every run on a repeated id.
 */
export function checkAirportFile(text: string, file: string): void {
  const records = parse(text, {
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    info: true,
  }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  const column = records[0]?.record.findIndex((name) => name.toLowerCase() === "airport_id") ?? -1;
  if (column < 0) throw new OperatorError(`${file}: no airport_id column in the header line`);
  const lines = new Map<string, number[]>();
  for (const { record, info } of records.slice(1)) lines.set(record[column], [...(lines.get(record[column]) ?? []), info.lines]);
  const repeated = [...lines].filter(([, at]) => at.length > 1);
  if (repeated.length) {
    const [id, at] = repeated[0];
    const more = repeated.length > 1 ? ` (and ${repeated.length - 1} more repeated id${repeated.length > 2 ? "s" : ""})` : "";
    throw new OperatorError(`${file}: airport_id ${id} appears on lines ${at.join(", ")}${more}; each airport must appear once, nothing was loaded`);
  }
}
