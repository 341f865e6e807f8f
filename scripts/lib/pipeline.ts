import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent, type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";

export interface ExecutionResult {
  readonly status: string;
  readonly jobRunId?: string;
  readonly error?: string;
  readonly cause?: string;
}

export async function startExecution(sfn: SFNClient, stateMachineArn: string, input: object): Promise<string> {
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  return executionArn!;
}

/** The Glue job run id of an execution: from StartJob's result, or from the run's id in a failure cause. */
export function jobRunIdFromHistory(events: HistoryEvent[]): string | undefined {
  for (const e of [...events].reverse()) {
    const text = e.taskSucceededEventDetails?.output ?? e.taskFailedEventDetails?.cause ?? "";
    const id = /"Id"\s*:\s*"(jr_[0-9a-f]+)"/.exec(text)?.[1];
    if (id) return id;
  }
  return undefined;
}

/** Polls until the execution is no longer RUNNING; reports each new state entered. */
export async function followExecution(
  sfn: SFNClient,
  executionArn: string,
  onState: (name: string) => void,
  pollMs = 5000,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
): Promise<ExecutionResult> {
  const seen = new Set<number>();
  for (;;) {
    const history = await allEvents(sfn, executionArn);
    for (const e of history) {
      if (e.stateEnteredEventDetails && !seen.has(e.id!)) {
        seen.add(e.id!);
        onState(e.stateEnteredEventDetails.name!);
      }
    }
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== "RUNNING") return { status: d.status!, jobRunId: jobRunIdFromHistory(history), error: d.error, cause: d.cause };
    await sleep(pollMs);
  }
}

async function allEvents(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

export function consoleLinks(region: string, executionArn: string, jobName: string, jobRunId?: string): string[] {
  const host = `https://${region}.console.aws.amazon.com`;
  return [
    `execution: ${host}/states/home?region=${region}#/v2/executions/details/${executionArn}`,
    ...(jobRunId ? [`job run:   ${host}/gluestudio/home?region=${region}#/job/${encodeURIComponent(jobName)}/run/${jobRunId}`] : []),
  ];
}
