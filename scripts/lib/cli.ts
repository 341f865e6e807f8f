import { chalk, minimist } from "zx";
import { loadPipelineConfig } from "../../modules/config/load";
import type { EnvironmentConfig } from "../../modules/config/schema";

/** An error the operator can act on: printed without a stack trace. */
export class OperatorError extends Error {}

export interface CliSpec {
  readonly usage: string;
  readonly strings?: string[];
  readonly booleans?: string[];
  readonly required?: string[];
}

/** Parses argv; prints usage for --help; a missing or unknown option is an OperatorError naming it. */
export function parseCli(argv: string[], spec: CliSpec): Record<string, string | boolean | undefined> {
  const known = new Set([...(spec.strings ?? []), ...(spec.booleans ?? []), "help", "_"]);
  const args = minimist(argv, { string: spec.strings, boolean: [...(spec.booleans ?? []), "help"] });
  if (args.help) {
    console.log(spec.usage);
    process.exit(0);
  }
  const unknown = Object.keys(args).filter((k) => !known.has(k));
  if (unknown.length) throw new OperatorError(`unknown option(s): ${unknown.map((k) => `--${k}`).join(", ")}\n\n${spec.usage}`);
  for (const name of spec.required ?? []) {
    if (!args[name]) throw new OperatorError(`--${name} is required\n\n${spec.usage}`);
  }
  return args;
}

/** The configuration of the stack (= environment) an operator names. */
export function stackSettings(stack: string): EnvironmentConfig {
  const config = loadPipelineConfig();
  const settings = config.environments[stack];
  if (!settings) throw new OperatorError(`stack "${stack}" is not an environment of the config (environments: ${Object.keys(config.environments).join(", ")})`);
  return settings;
}

/** Runs a script's main; OperatorErrors print as one red message and exit 1. */
export async function runScript(main: () => Promise<number | void>): Promise<void> {
  try {
    process.exitCode = (await main()) ?? 0;
  } catch (e) {
    if (e instanceof OperatorError) {
      console.error(chalk.red(`error: ${e.message}`));
      process.exitCode = 1;
    } else {
      throw e;
    }
  }
}
