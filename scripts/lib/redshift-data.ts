import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  type DescribeStatementCommandOutput,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  type RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { OperatorError } from "./cli";

export interface WarehouseTarget {
  readonly workgroupName: string;
  readonly database: string;
  readonly secretArn: string;
}

export interface WaitOptions {
  /** First pause between two DescribeStatement calls; doubles up to maxPollMs. */
  readonly pollMs?: number;
  readonly maxPollMs?: number;
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const DONE = new Set(["FINISHED", "FAILED", "ABORTED"]);

/** A statement Redshift did not finish: its error, the failing sub-statement and any COPY load errors. */
export class RedshiftStatementError extends OperatorError {}

/** Waits until Redshift has finished, failed or aborted the statement; returns the final description. */
export async function waitForStatement(client: RedshiftDataClient, id: string, options: WaitOptions = {}): Promise<DescribeStatementCommandOutput> {
  const { pollMs = 500, maxPollMs = 5000, timeoutMs = 15 * 60_000, sleep = (ms) => new Promise((r) => setTimeout(r, ms)) } = options;
  let pause = pollMs;
  for (let waited = 0; ; waited += pause, pause = Math.min(pause * 2, maxPollMs)) {
    const description = await client.send(new DescribeStatementCommand({ Id: id }));
    if (DONE.has(description.Status ?? "")) return description;
    if (waited >= timeoutMs)
      throw new RedshiftStatementError(
        `statement ${id} still ${description.Status} after ${Math.round(timeoutMs / 1000)} s; it may still finish: aws redshift-data describe-statement --id ${id}`,
      );
    await sleep(pause);
  }
}

/** Runs one query and returns its rows as text (NULL as null); a failed query throws with Redshift's error. */
export async function queryRows(
  client: RedshiftDataClient,
  target: WarehouseTarget,
  sql: string,
  options: WaitOptions = {},
): Promise<Array<Array<string | null>>> {
  const { Id } = await client.send(
    new ExecuteStatementCommand({ WorkgroupName: target.workgroupName, Database: target.database, SecretArn: target.secretArn, Sql: sql }),
  );
  const done = await waitForStatement(client, Id!, options);
  if (done.Status !== "FINISHED")
    throw new RedshiftStatementError(`Redshift ${done.Status} the query ${Id} (${sql.slice(0, 80)}): ${done.Error ?? "no error given"}`);
  const rows: Array<Array<string | null>> = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new GetStatementResultCommand({ Id, NextToken: nextToken }));
    rows.push(
      ...(page.Records ?? []).map((fields) =>
        fields.map((f) =>
          f.isNull
            ? null
            : (f.stringValue ??
              (f.longValue !== undefined
                ? String(f.longValue)
                : f.doubleValue !== undefined
                  ? String(f.doubleValue)
                  : f.booleanValue !== undefined
                    ? String(f.booleanValue)
                    : null)),
        ),
      ),
    );
    nextToken = page.NextToken;
  } while (nextToken);
  return rows;
}

/** The newest COPY errors Redshift recorded: what failed, where in which file. */
export async function loadErrorDetails(client: RedshiftDataClient, target: WarehouseTarget, options: WaitOptions = {}): Promise<string[]> {
  let rows: Array<Array<string | null>>;
  try {
    rows = await queryRows(
      client,
      target,
      "SELECT file_name, line_number, column_name, error_code, error_message FROM sys_load_error_detail ORDER BY start_time DESC LIMIT 10",
      options,
    );
  } catch (e) {
    return [`(could not read sys_load_error_detail: ${(e as Error).message})`];
  }
  return rows.map((fields) => {
    const [file, line, column, code, message] = fields.map((f) => f ?? "");
    return `${file.trim()} line ${line}, column ${column.trim()}: ${message.trim()} (error ${code})`;
  });
}

/** Runs statements as one Data API batch (one transaction) and waits; a failure throws with Redshift's own words. */
export async function runBatch(
  client: RedshiftDataClient,
  target: WarehouseTarget,
  sqls: string[],
  options: WaitOptions = {},
): Promise<DescribeStatementCommandOutput> {
  const { Id } = await client.send(
    new BatchExecuteStatementCommand({ WorkgroupName: target.workgroupName, Database: target.database, SecretArn: target.secretArn, Sqls: sqls }),
  );
  const done = await waitForStatement(client, Id!, options);
  if (done.Status === "FINISHED") return done;
  const failed = done.SubStatements?.find((s) => s.Status === "FAILED");
  const lines = [`Redshift ${done.Status} the batch ${Id}: ${done.Error ?? "no error given"}`];
  if (failed) lines.push(`failing statement: ${failed.QueryString?.trim().split("\n")[0]} ...`);
  if (/COPY/i.test(failed?.QueryString ?? "") || /load/i.test(done.Error ?? "")) {
    lines.push("load errors (sys_load_error_detail, newest first):", ...(await loadErrorDetails(client, target, options)).map((l) => `  ${l}`));
  }
  throw new RedshiftStatementError(lines.join("\n"));
}
