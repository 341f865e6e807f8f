/* eslint-disable @typescript-eslint/no-explicit-any */
import jsonata from "jsonata";

/**
 * Runs a JSONata state machine definition the way Step Functions does, as far as this project's definition needs:
 * Pass, Task (Arguments, Retry with backoff and jitter, Catch, Assign, Output), Choice, Wait, Fail, Succeed and End;
 * workflow variables; `$states.input/result/errorOutput/context` (with `State.EnteredTime`); the definition's
 * `TimeoutSeconds`; Step Functions' own `$parse`. Time is the caller's `Clock`: every Wait and every retry delay
 * sleeps on it, and task handlers may sleep too, so a scheduler can interleave many executions in simulated
 * time (asl-scheduler.ts). Tasks are answered by the test's handler (nothing here runs Step Functions' own
 * executor); every JSONata expression is evaluated with the real jsonata package.
 */
export class TaskFailure extends Error {
  constructor(
    readonly error: string,
    readonly cause: string,
  ) {
    super(`${error}: ${cause}`);
  }
}

/** Thrown by a clock's sleep when the execution was stopped (StopExecution): no Catch runs. */
export class ExecutionAborted extends Error {}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** One execution's own time: each sleep moves it on at once; `set` jumps it (a long task). */
export function steppingClock(start = Date.parse("2026-01-01T00:00:00Z")): Clock & { set(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    set: (ms) => {
      now = ms;
    },
  };
}

/** A clock that never waits: Wait states and retry delays are recorded, not slept. */
export const instantClock = (start = Date.parse("2026-01-01T00:00:00Z")): Clock => ({ now: () => start, sleep: async () => {} });

export interface TaskCall {
  readonly state: string;
  readonly resource: string;
  readonly args: any;
  /** The execution's clock (a handler sleeps on it for the time the task takes). */
  readonly clock: Clock;
  readonly executionArn: string;
}

export interface Outcome {
  status: "SUCCEEDED" | "FAILED" | "ABORTED" | "TIMED_OUT";
  error?: string;
  cause?: string;
  output?: any;
  /** Names of the states entered, in order. */
  path: string[];
  calls: TaskCall[];
  waits: number[];
  /** Delays (ms) slept before retries. */
  retryDelays: number[];
}

export interface SimulationOptions {
  clock?: Clock;
  executionArn?: string;
  stateMachineArn?: string;
  /** Random numbers in [0, 1) for full jitter; the default gives the largest delay. */
  random?: () => number;
  maxTransitions?: number;
}

const EXPRESSION = /^\{%(.*)%\}$/s;
const compiled = new Map<string, jsonata.Expression>();

/** Every expression evaluated by any simulation, by its text: tests check that none went untried. */
export const evaluatedExpressions = new Set<string>();

/** Functions Step Functions adds to JSONata (the npm package lacks them). */
const STEP_FUNCTIONS_FUNCTIONS = { parse: (text: string) => JSON.parse(text) };

async function evaluate(value: any, bindings: Record<string, any>, where: string): Promise<any> {
  if (Array.isArray(value)) return Promise.all(value.map((v, i) => evaluate(v, bindings, `${where}[${i}]`)));
  if (value !== null && typeof value === "object") {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await evaluate(v, bindings, `${where}.${k}`)] as const));
    return Object.fromEntries(entries);
  }
  const m = typeof value === "string" ? EXPRESSION.exec(value) : null;
  if (!m) return value;
  evaluatedExpressions.add(m[1]);
  const expression = compiled.get(m[1]) ?? jsonata(m[1]);
  compiled.set(m[1], expression);
  let result: any;
  try {
    result = await expression.evaluate({}, { ...STEP_FUNCTIONS_FUNCTIONS, ...bindings });
  } catch (e) {
    throw new TaskFailure("States.QueryEvaluationError", `${where}: ${(e as Error).message}`);
  }
  if (result === undefined) throw new TaskFailure("States.QueryEvaluationError", `${where}: expression ${m[1].trim()} evaluated to undefined`);
  return JSON.parse(JSON.stringify(result));
}

const matches = (errorEquals: string[], error: string) =>
  errorEquals.includes(error) || (errorEquals.includes("States.ALL") && !error.startsWith("States.Runtime"));

interface Run {
  readonly definition: any;
  readonly clock: Clock;
  readonly random: () => number;
  readonly executionArn: string;
  readonly outcome: Outcome;
  readonly context: any;
}

export async function simulate(definition: any, input: any, handler: (call: TaskCall) => any, options: SimulationOptions = {}): Promise<Outcome> {
  const clock = options.clock ?? instantClock();
  const startedAt = clock.now();
  const executionArn = options.executionArn ?? "arn:aws:states:us-east-1:000000000000:execution:pipeline:test";
  const run: Run = {
    definition,
    clock,
    random: options.random ?? (() => 1 - Number.EPSILON),
    executionArn,
    outcome: { status: "SUCCEEDED", path: [], calls: [], waits: [], retryDelays: [] },
    context: {
      Execution: { Id: executionArn, StartTime: new Date(startedAt).toISOString(), Input: input },
      StateMachine: { Id: options.stateMachineArn ?? "arn:aws:states:us-east-1:000000000000:stateMachine:pipeline" },
    },
  };
  const deadline = definition.TimeoutSeconds ? startedAt + definition.TimeoutSeconds * 1000 : Number.POSITIVE_INFINITY;
  const vars: Record<string, any> = {};
  const { outcome } = run;
  let name: string | undefined = definition.StartAt;
  let stateInput = input;
  const maxTransitions = options.maxTransitions ?? 2000;
  for (let n = 0; name && n < maxTransitions; n++) {
    if (clock.now() >= deadline) return { ...outcome, status: "TIMED_OUT" };
    const state = definition.States[name];
    outcome.path.push(name);
    const states = { input: stateInput, context: { ...run.context, State: { Name: name, EnteredTime: new Date(clock.now()).toISOString() } } };
    const bind = (extra: Record<string, any> = {}) => ({ ...vars, states: { ...states, ...extra } });
    try {
      const step = await runState(run, name, state, bind, handler);
      if (clock.now() >= deadline) return { ...outcome, status: "TIMED_OUT" };
      if (step.assign) Object.assign(vars, step.assign);
      if (state.Type === "Fail") {
        return { ...outcome, status: "FAILED", error: step.error, cause: step.cause };
      }
      if (state.End || state.Type === "Succeed") return { ...outcome, output: step.output };
      stateInput = step.output;
      name = step.next;
    } catch (e) {
      if (e instanceof ExecutionAborted) return { ...outcome, status: "ABORTED" };
      if (!(e instanceof TaskFailure)) throw e;
      return { ...outcome, status: "FAILED", error: e.error, cause: e.cause };
    }
  }
  throw new Error(`no end after ${maxTransitions} transitions: ${outcome.path.slice(-10).join(" > ")}`);
}

interface Step {
  next?: string;
  output?: any;
  assign?: Record<string, any>;
  error?: string;
  cause?: string;
}

type Bind = (extra?: Record<string, any>) => Record<string, any>;

async function runState(run: Run, name: string, state: any, bind: Bind, handler: (call: TaskCall) => any): Promise<Step> {
  const finish = async (extra: Record<string, any>, fallback: any, next?: string): Promise<Step> => ({
    next: next ?? state.Next,
    assign: state.Assign ? await evaluate(state.Assign, bind(extra), `${name}.Assign`) : undefined,
    output: state.Output !== undefined ? await evaluate(state.Output, bind(extra), `${name}.Output`) : fallback,
  });
  switch (state.Type) {
    case "Pass":
      return finish({}, bind().states.input);
    case "Succeed":
      return finish({}, bind().states.input);
    case "Wait": {
      const seconds = await evaluate(state.Seconds, bind(), `${name}.Seconds`);
      run.outcome.waits.push(seconds);
      await run.clock.sleep(seconds * 1000);
      return { next: state.Next, output: bind().states.input };
    }
    case "Choice": {
      for (const [i, choice] of (state.Choices as any[]).entries()) {
        if (await evaluate(choice.Condition, bind(), `${name}.Choices[${i}].Condition`)) return { next: choice.Next, output: bind().states.input };
      }
      if (!state.Default) throw new TaskFailure("States.NoChoiceMatched", name);
      return { next: state.Default, output: bind().states.input };
    }
    case "Fail":
      return { error: await evaluate(state.Error, bind(), `${name}.Error`), cause: await evaluate(state.Cause, bind(), `${name}.Cause`) };
    case "Task":
      return runTask(run, name, state, bind, handler, finish);
    default:
      throw new Error(`state type ${state.Type} is not simulated`);
  }
}

/** Step Functions' retry delay: IntervalSeconds x BackoffRate^attempt, capped by MaxDelaySeconds, full jitter if asked. */
export function retryDelayMs(retrier: any, attempt: number, random: () => number): number {
  const base = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** attempt;
  const capped = Math.min(base, retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY) * 1000;
  return retrier.JitterStrategy === "FULL" ? Math.floor(random() * capped) : capped;
}

async function runTask(
  run: Run,
  name: string,
  state: any,
  bind: Bind,
  handler: (call: TaskCall) => any,
  finish: (extra: Record<string, any>, fallback: any, next?: string) => Promise<Step>,
): Promise<Step> {
  const args = state.Arguments !== undefined ? await evaluate(state.Arguments, bind(), `${name}.Arguments`) : undefined;
  const attempts = new Map<any, number>();
  for (;;) {
    try {
      const call = { state: name, resource: state.Resource, args, clock: run.clock, executionArn: run.executionArn };
      run.outcome.calls.push(call);
      const result = await handler(call);
      return await finish({ result }, result);
    } catch (e) {
      if (!(e instanceof TaskFailure)) throw e;
      const retrier = (state.Retry ?? []).find((r: any) => matches(r.ErrorEquals, e.error));
      const used = attempts.get(retrier) ?? 0;
      if (retrier && used < (retrier.MaxAttempts ?? 3)) {
        attempts.set(retrier, used + 1);
        const delay = retryDelayMs(retrier, used, run.random);
        run.outcome.retryDelays.push(delay);
        await run.clock.sleep(delay);
        continue;
      }
      const catcher = (state.Catch ?? []).find((c: any) => matches(c.ErrorEquals, e.error));
      if (!catcher) throw e;
      const errorOutput = { Error: e.error, Cause: e.cause };
      const extra = { errorOutput };
      return {
        next: catcher.Next,
        assign: catcher.Assign ? await evaluate(catcher.Assign, bind(extra), `${name}.Catch.Assign`) : undefined,
        output: catcher.Output !== undefined ? await evaluate(catcher.Output, bind(extra), `${name}.Catch.Output`) : errorOutput,
      };
    }
  }
}
