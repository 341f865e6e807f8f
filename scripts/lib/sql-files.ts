import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";

export const SQL_DIR = join(__dirname, "..", "..", "sql");

export interface SqlStatement {
  readonly file: string;
  readonly sql: string;
}

/** Fills {{name}} placeholders; an unknown one is an error naming file and placeholder. */
export function renderSql(text: string, values: Readonly<Record<string, string>>, file: string): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`${file}: unknown placeholder {{${name}}} (known: ${Object.keys(values).join(", ")})`);
    return values[name];
  });
}

/** Statements of a file, split at semicolons that end a line; comment-only lines dropped. */
export function splitStatements(text: string): string[] {
  const body = text
    .split("\n")
    .filter((line) => !/^\s*--/.test(line))
    .join("\n");
  return body
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The fact table's DDL: its columns, in order, are the one definition the job and the scripts read. */
export const FACT_TABLE_SQL = join(SQL_DIR, "shared", "003_create_daily_flights_processed.sql");

/** The column names of a CREATE TABLE, in order: each line that starts with a name and a type. */
export function tableColumns(ddl: string): string[] {
  return [...ddl.matchAll(/^\s*(\w+)\s+(?:VARCHAR|INTEGER|BIGINT|DATE|TIMESTAMP)\b/gim)].map((m) => m[1]);
}

/** The warehouse set-up in apply order: sql/shared and sql/redshift files merged by their number. */
export function warehouseSeedStatements(values: Readonly<Record<string, string>>, sqlDir = SQL_DIR): SqlStatement[] {
  const files = ["shared", "redshift"].flatMap((sub) =>
    readdirSync(join(sqlDir, sub))
      .filter((f) => f.endsWith(".sql"))
      .map((f) => join(sqlDir, sub, f)),
  );
  files.sort((a, b) => basename(a).localeCompare(basename(b)));
  return files.flatMap((file) => {
    const name = `${basename(join(file, ".."))}/${basename(file)}`;
    return splitStatements(renderSql(readFileSync(file, "utf8"), values, name)).map((sql) => ({ file: name, sql }));
  });
}
