// npm run requeue -- --stack S [--reason dimension] [--dry-run] [--no-wait] [--outputs FILE]
// After a fix of the airport dimension: re-runs the files whose quarantined rows failed the airport lookup.
import { OperatorError, parseCli, runScript } from "./lib/cli";
import { bucketCommand, quarantinedFiles, queueAndStart } from "./lib/requeue";

/** Quarantine reasons a requeue can cure, by name (the row rules' own wording). */
const REASONS: Record<string, RegExp> = { dimension: /AirportID \S+ is not in the airport dimension$/ };

const USAGE = `usage: npm run requeue -- --stack S [--reason dimension] [--dry-run] [--no-wait] [--outputs FILE]

Finds the source files whose quarantined rows failed the airport lookup (run seed:warehouse with the fixed airport
file first), queues them again (each object copied onto itself) and requests a pass: rows that now join move into
the table, and each file's quarantine keeps only what still fails.
  --reason   which quarantine reason to cure (default and only: dimension)
  --dry-run  list the files that would be queued; change nothing
  --no-wait  return once the pass is requested (default: follow it to its end; exit 0 only when it succeeded)`;

void runScript(async () => {
  const args = parseCli(process.argv.slice(2), {
    usage: USAGE,
    strings: ["stack", "reason", "outputs"],
    booleans: ["dry-run", "wait"],
    required: ["stack"],
    onByDefault: ["wait"],
  });
  const reason = REASONS[String(args.reason ?? "dimension")];
  if (!reason) throw new OperatorError(`--reason ${args.reason}: not one of ${Object.keys(REASONS).join(", ")}`);
  const c = await bucketCommand(String(args.stack), args.outputs as string | undefined);
  const files = await quarantinedFiles(c.s3, c.bucket, c.settings.storage.prefixes.quarantine, reason);
  if (!files.length) return console.log("no quarantined row failed the airport lookup: nothing to requeue");
  return queueAndStart(c, files, Boolean(args["dry-run"]), Boolean(args.wait), { source: "requeue", reason: "dimension" });
});
