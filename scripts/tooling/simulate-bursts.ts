// npm run simulate:bursts: the before/after table of the README's "Operate" section, from the simulator of
// __tests__/support (the state machine's real definitions in simulated time; the lease in a local moto DynamoDB).
import { BEFORE_COALESCING, type BurstFigures, simulateBurst } from "../../__tests__/support/bursts";
import { MotoServer } from "../../__tests__/support/moto-server";
import { only, synth } from "../../__tests__/support/synth";

const SIZES = [10, 31, 182];
const SEEDS = [1, 2, 3, 4, 5];

/** "a" or "a-b" over the seeds. */
function range(runs: BurstFigures[], pick: (f: BurstFigures) => number): string {
  const values = runs.map(pick);
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const moto = await new MotoServer().start();
  try {
    const after = JSON.parse(only(synth("dev"), "aws_sfn_state_machine").definition);
    console.log(`Simulated (${SEEDS.length} seeds of retry jitter; crawl 75 s, job run 60 s + 0.5 s per file, uploads 0.2 s apart):\n`);
    console.log("| files uploaded together | | executions | job runs | executions ending FAILED | messages (FAILED) | files left behind |");
    console.log("|---|---|---|---|---|---|---|");
    for (const files of SIZES) {
      for (const [label, definition, server] of [
        ["before", BEFORE_COALESCING, undefined],
        ["after", after, moto],
      ] as const) {
        const runs: BurstFigures[] = [];
        for (const seed of SEEDS) runs.push(await simulateBurst(definition, files, seed, server));
        const cells = [range(runs, (r) => r.executions), range(runs, (r) => r.jobRuns), range(runs, (r) => r.failedExecutions)];
        console.log(
          `| ${files} | ${label} | ${cells.join(" | ")} | ${range(runs, (r) => r.messages)} (${range(runs, (r) => r.failureMessages)}) | ${range(runs, (r) => r.filesLeftBehind)} |`,
        );
      }
    }
  } finally {
    moto.stop();
  }
}

void main();
