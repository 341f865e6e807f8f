import { randomUUID } from "node:crypto";
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent, type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";

export interface ExecutionResult {
  readonly status: string;
  readonly jobRunId?: string;
  readonly error?: string;
  readonly cause?: string;
  /** The execution's output (see the Succeed states of asl/state-machine.asl.json). */
  readonly output?: { coalesced?: boolean; owner?: string; handedOffTo?: string; passes?: number };
}

/** What an operator's command hands the state machine: which command asked, and its own details. */
export interface PassRequest {
  readonly source: string;
  readonly [detail: string]: unknown;
}

/** Starts an execution named after the command that asked for it, so the console's list tells operators' runs apart. */
export async function startExecution(sfn: SFNClient, stateMachineArn: string, input: PassRequest): Promise<string> {
  // Names: up to 80 of letters, digits, - and _, unique per state machine for 90 days.
  const name = `${input.source}-${new Date().toISOString().replace(/[:.]/g, "-")}-${randomUUID().slice(0, 8)}`;
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
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
    if (d.status !== "RUNNING") {
      return {
        status: d.status!,
        jobRunId: jobRunIdFromHistory(history),
        error: d.error,
        cause: d.cause,
        ...outputOf(d.output),
      };
    }
    await sleep(pollMs);
  }
}

const outputOf = (output?: string): Pick<ExecutionResult, "output"> => (output ? { output: JSON.parse(output) } : {});

/** Who serves a request after `result`: the owner of the running pass, or the successor a long run was handed to. */
export function nextExecution(result: ExecutionResult): { arn: string; why: string } | undefined {
  if (result.output?.coalesced && result.output.owner) return { arn: result.output.owner, why: "a pass is running; its owner serves this request" };
  if (result.output?.handedOffTo) return { arn: result.output.handedOffTo, why: "the owner handed its next pass to a new execution" };
  return undefined;
}

/** States that only the owner of a pass enters: seeing one means the execution took the lease. */
const OWNER_STATES = new Set(["Settle", "BeginPass", "StartPass"]);

/**
 * Who serves a request just started: the execution itself once it enters a pass, or the owner it names when it
 * coalesced (it ends within seconds). Undefined when neither is known within `timeoutMs`.
 */
export async function whoServes(
  sfn: SFNClient,
  executionArn: string,
  timeoutMs = 30_000,
  pollMs = 2000,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
): Promise<{ arn: string; owner: boolean } | undefined> {
  for (let waited = 0; waited <= timeoutMs; waited += pollMs) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== "RUNNING") {
      const next = nextExecution({ status: d.status!, ...outputOf(d.output) });
      return next ? { arn: next.arn, owner: false } : { arn: executionArn, owner: true };
    }
    const history = await allEvents(sfn, executionArn);
    if (history.some((e) => OWNER_STATES.has(e.stateEnteredEventDetails?.name ?? ""))) return { arn: executionArn, owner: true };
    await sleep(pollMs);
  }
  return undefined;
}

/**
 * Follows a request to the end of the pass that serves it: the execution itself, then (when it coalesced into a
 * running pass) the owner, then any successor the owner handed on to.
 */
export async function followRequest(
  sfn: SFNClient,
  executionArn: string,
  on: { state: (name: string) => void; execution: (arn: string, why: string) => void },
  pollMs = 5000,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
): Promise<ExecutionResult & { executionArn: string }> {
  let current = executionArn;
  for (;;) {
    const result = await followExecution(sfn, current, on.state, pollMs, sleep);
    const next = nextExecution(result);
    if (!next || next.arn === current) return { ...result, executionArn: current };
    on.execution(next.arn, next.why);
    current = next.arn;
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
