/**
 * An error the user can act on (bad config, bad asl/ file, a name AWS would refuse, an operator mistake):
 * every CLI prints its message as one `error:` line and exits 1, with the stack trace only under DEBUG=1.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Whether stack traces were asked for (DEBUG=1 or --debug on the command line). */
export function debugRequested(argv: string[] = process.argv, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.DEBUG && env.DEBUG !== "0") || argv.includes("--debug");
}

/** The one line a CLI prints for an error it ends on; undefined when it is not the user's to fix (a bug). */
export function userErrorMessage(e: unknown): string | undefined {
  if (e instanceof UserError) return e.message;
  const name = (e as { name?: string } | null)?.name;
  // The AWS SDK's credential chain found nothing usable.
  if (name === "CredentialsProviderError")
    return `no AWS credentials found (${(e as Error).message}): set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`;
  return undefined;
}

/** Prints a user error as one line and returns exit code 1; anything else is rethrown with its stack. */
export function reportUserError(e: unknown, print: (line: string) => void = (l) => console.error(l)): number {
  const message = userErrorMessage(e);
  if (message === undefined || debugRequested()) throw e;
  print(`error: ${message}`);
  return 1;
}
