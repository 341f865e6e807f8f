// npm run reprocess -- --stack S --from YYYY-MM-DD --to YYYY-MM-DD [--dry-run] [--no-wait] [--outputs FILE]
// Makes the pipeline process every flight file of those days again, through its normal path.
import { parseCli, runScript } from "./lib/cli";
import { bucketCommand, daysBetween, flightFilesOfDays, queueAndStart } from "./lib/requeue";

const USAGE = `usage: npm run reprocess -- --stack S --from YYYY-MM-DD --to YYYY-MM-DD [--dry-run] [--no-wait] [--outputs FILE]

Queues every daily flight file of those days (both included) again: each object is copied onto itself, so the
job's bookmark sees it modified and the next pass replaces its rows and quarantine exactly once. Then requests a
pass (or joins the running one). A range with no file is an error.
  --dry-run  list exactly the files that would be queued; change nothing
  --no-wait  return once the pass is requested (default: follow it to its end; exit 0 only when it succeeded)
AWS settings: AWS_PROFILE, AWS_REGION (default: the stack's region), AWS_ENDPOINT_URL.`;

void runScript(async () => {
  const args = parseCli(process.argv.slice(2), {
    usage: USAGE,
    strings: ["stack", "from", "to", "outputs"],
    booleans: ["dry-run", "wait"],
    required: ["stack", "from", "to"],
    onByDefault: ["wait"],
  });
  const days = daysBetween(String(args.from), String(args.to));
  const c = await bucketCommand(String(args.stack), args.outputs as string | undefined);
  const files = await flightFilesOfDays(c.s3, c.bucket, c.settings.storage.prefixes.dailyFlights, days);
  return queueAndStart(c, files, Boolean(args["dry-run"]), Boolean(args.wait), { source: "reprocess", from: days[0], to: days.at(-1) });
});
