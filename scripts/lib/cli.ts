import { chalk, minimist } from "zx";
import { loadPipelineConfig } from "../../modules/config/load";
import type { EnvironmentConfig } from "../../modules/config/schema";
import { debugRequested, UserError, userErrorMessage } from "../../modules/user-error";

/** An error the operator can act on: printed without a stack trace. */
export class OperatorError extends UserError {}

export interface CliSpec {
  readonly usage: string;
  readonly strings?: string[];
  readonly booleans?: string[];
  readonly required?: string[];
  /** Booleans that are on unless `--no-<name>` is given. */
  readonly onByDefault?: string[];
}

/** Parses argv; prints usage for --help; a missing or unknown option is an OperatorError naming it. */
export function parseCli(argv: string[], spec: CliSpec): Record<string, string | boolean | undefined> {
  const known = new Set([...(spec.strings ?? []), ...(spec.booleans ?? []), "help", "debug", "_"]);
  const args = minimist(argv, {
    string: spec.strings,
    boolean: [...(spec.booleans ?? []), "help", "debug"],
    default: Object.fromEntries((spec.onByDefault ?? []).map((name) => [name, true])),
  });
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

/** Runs a script's main; a user error (config, operator, no credentials) prints as one red line and exits 1,
 * with its stack trace only under DEBUG=1 or --debug. */
export async function runScript(main: () => Promise<unknown>): Promise<void> {
  try {
    const code = await main();
    process.exitCode = typeof code === "number" ? code : 0;
  } catch (e) {
    const message = userErrorMessage(e);
    if (message === undefined || debugRequested()) throw e;
    console.error(chalk.red(`error: ${message}`));
    process.exitCode = 1;
  }
}
