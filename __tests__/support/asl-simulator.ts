/* eslint-disable @typescript-eslint/no-explicit-any */
import jsonata from "jsonata";

/**
 * Runs a JSONata state machine definition the way Step Functions does, as far as this project's definition needs:
 * Pass, Task (Arguments, Retry, Catch, Assign, Output), Choice, Wait, Fail, Succeed and End; workflow variables;
 * `$states.input/result/errorOutput/context`. Tasks are answered by the test's handler (nothing here runs
 * Step Functions' own executor); every JSONata expression is evaluated with the real jsonata package.
 */
export class TaskFailure extends Error {
  constructor(
    readonly error: string,
    readonly cause: string,
  ) {
    super(`${error}: ${cause}`);
  }
}

export interface TaskCall {
  readonly state: string;
  readonly resource: string;
  readonly args: any;
}

export interface Outcome {
  status: "SUCCEEDED" | "FAILED";
  error?: string;
  cause?: string;
  output?: any;
  /** Names of the states entered, in order. */
  path: string[];
  calls: TaskCall[];
  waits: number[];
}

const EXPRESSION = /^\{%(.*)%\}$/s;

/** Every expression evaluated by any simulation, by its text: tests check that none went untried. */
export const evaluatedExpressions = new Set<string>();

async function evaluate(value: any, bindings: Record<string, any>, where: string): Promise<any> {
  if (Array.isArray(value)) return Promise.all(value.map((v, i) => evaluate(v, bindings, `${where}[${i}]`)));
  if (value !== null && typeof value === "object") {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await evaluate(v, bindings, `${where}.${k}`)] as const));
    return Object.fromEntries(entries);
  }
  const m = typeof value === "string" ? EXPRESSION.exec(value) : null;
  if (!m) return value;
  evaluatedExpressions.add(m[1]);
  let result: any;
  try {
    result = await jsonata(m[1]).evaluate({}, bindings);
  } catch (e) {
    throw new TaskFailure("States.QueryEvaluationError", `${where}: ${(e as Error).message}`);
  }
  if (result === undefined) throw new TaskFailure("States.QueryEvaluationError", `${where}: expression ${m[1].trim()} evaluated to undefined`);
  return JSON.parse(JSON.stringify(result));
}

const matches = (errorEquals: string[], error: string) =>
  errorEquals.includes(error) || (errorEquals.includes("States.ALL") && !error.startsWith("States.Runtime"));

export async function simulate(definition: any, input: any, handler: (call: TaskCall) => any, maxTransitions = 500): Promise<Outcome> {
  const vars: Record<string, any> = {};
  const outcome: Outcome = { status: "SUCCEEDED", path: [], calls: [], waits: [] };
  const context = { Execution: { Id: "arn:aws:states:us-east-1:000000000000:execution:pipeline:test", StartTime: "2026-01-01T00:00:00Z", Input: input } };
  let name: string | undefined = definition.StartAt;
  let stateInput = input;
  for (let n = 0; name && n < maxTransitions; n++) {
    const state = definition.States[name];
    outcome.path.push(name);
    const states = { input: stateInput, context: { ...context, State: { Name: name } } };
    const bind = (extra: Record<string, any> = {}) => ({ ...vars, states: { ...states, ...extra } });
    try {
      const step = await runState(name, state, bind, handler, outcome);
      if (step.assign) Object.assign(vars, step.assign);
      if (state.Type === "Fail") {
        return { ...outcome, status: "FAILED", error: step.error, cause: step.cause };
      }
      if (state.End || state.Type === "Succeed") return { ...outcome, output: step.output };
      stateInput = step.output;
      name = step.next;
    } catch (e) {
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

async function runState(
  name: string,
  state: any,
  bind: (extra?: Record<string, any>) => Record<string, any>,
  handler: (call: TaskCall) => any,
  outcome: Outcome,
): Promise<Step> {
  const finish = async (extra: Record<string, any>, fallback: any, next?: string): Promise<Step> => ({
    next: next ?? state.Next,
    assign: state.Assign ? await evaluate(state.Assign, bind(extra), `${name}.Assign`) : undefined,
    output: state.Output !== undefined ? await evaluate(state.Output, bind(extra), `${name}.Output`) : fallback,
  });
  switch (state.Type) {
    case "Pass":
      return finish({}, bind().states.input);
    case "Wait":
      outcome.waits.push(await evaluate(state.Seconds, bind(), `${name}.Seconds`));
      return { next: state.Next, output: bind().states.input };
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
      return runTask(name, state, bind, handler, outcome, finish);
    default:
      throw new Error(`state type ${state.Type} is not simulated`);
  }
}

async function runTask(
  name: string,
  state: any,
  bind: (extra?: Record<string, any>) => Record<string, any>,
  handler: (call: TaskCall) => any,
  outcome: Outcome,
  finish: (extra: Record<string, any>, fallback: any, next?: string) => Promise<Step>,
): Promise<Step> {
  const args = state.Arguments !== undefined ? await evaluate(state.Arguments, bind(), `${name}.Arguments`) : undefined;
  const attempts = new Map<any, number>();
  for (;;) {
    try {
      const call = { state: name, resource: state.Resource, args };
      outcome.calls.push(call);
      const result = await handler(call);
      return await finish({ result }, result);
    } catch (e) {
      if (!(e instanceof TaskFailure)) throw e;
      const retrier = (state.Retry ?? []).find((r: any) => matches(r.ErrorEquals, e.error));
      const used = attempts.get(retrier) ?? 0;
      if (retrier && used < (retrier.MaxAttempts ?? 3)) {
        attempts.set(retrier, used + 1);
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
