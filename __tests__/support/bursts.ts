/* eslint-disable @typescript-eslint/no-explicit-any */
import { join } from "node:path";
import { renderTemplate } from "../../modules/asl-files";
import type { MotoServer } from "./moto-server";
import { PipelineWorld } from "./pipeline-world";

/**
 * The state machine as it was before coalescing (commit 059c558: every upload crawls and runs the job, retrying
 * Glue.ConcurrentRunsExceededException 8 times, 60 s x 2^n up to 900 s, full jitter), for the before/after table.
 */
export const BEFORE_COALESCING = renderTemplate(join(__dirname, "state-machine.before-coalescing.asl.json"), {
  Environment: "dev",
  S3CrawlerName: "crawler",
  GlueJobName: "job",
  TopicArn: "topic",
  CrawlerPollSeconds: 30,
  CrawlerMaxPolls: 60,
  JobStartMaxAttempts: 8,
});

/** The key of the i-th daily file of 2001 (28 days a month), one per upload in the scenarios. */
export const dayKey = (i: number) =>
  `daily_flights/date=2001-${String(1 + Math.floor(i / 28)).padStart(2, "0")}-${String(1 + (i % 28)).padStart(2, "0")}/flights.csv`;

export interface BurstFigures {
  readonly files: number;
  readonly executions: number;
  readonly jobRuns: number;
  readonly failedExecutions: number;
  readonly messages: number;
  readonly failureMessages: number;
  readonly filesLeftBehind: number;
}

/** `files` daily files uploaded together (seed:upload sends about five a second), run to the end in simulated time. */
export async function simulateBurst(definition: any, files: number, seed: number, moto?: MotoServer): Promise<BurstFigures> {
  const world = await new PipelineWorld({ definition, seed, ...(moto ? { dynamodb: moto.clientConfig } : {}) }).setUp();
  for (let i = 0; i < files; i++) world.upload(i * 0.2, dayKey(i));
  await world.run();
  const executions = [...world.executions.values()];
  return {
    files,
    executions: executions.length,
    jobRuns: world.jobRuns.length,
    failedExecutions: executions.filter((e) => world.status(e) === "FAILED").length,
    messages: world.messages.length,
    failureMessages: world.messages.filter((m) => m.message.status === "FAILED").length,
    filesLeftBehind: [...world.uploads.keys()].filter((k) => !world.bookmarked.has(k)).length,
  };
}
