// npm run requeue -- --stack S [--reason dimension|unreadable] [--dry-run] [--no-wait] [--outputs FILE]
// After a fix: re-runs the files whose quarantined rows failed the airport lookup, or the files set aside as unreadable.
import { reportFolders } from "../modules/config/layers";
import { OperatorError, parseCli, runScript } from "./lib/cli";
import { bucketCommand, quarantinedFiles, queueAndStart, setAsideFiles } from "./lib/requeue";

type Command = Awaited<ReturnType<typeof bucketCommand>>;

/** What a requeue can cure, by name: the files it finds, and what it says when there are none. */
const REASONS: Record<string, { files: (c: Command) => Promise<string[]>; none: string }> = {
  // The row rules' own wording of a failed lookup.
  dimension: {
    files: (c) => quarantinedFiles(c.s3, c.bucket, c.settings.storage.prefixes.quarantine, /AirportID \S+ is not in the airport dimension$/),
    none: "no quarantined row failed the airport lookup: nothing to requeue",
  },
  unreadable: {
    files: (c) => setAsideFiles(c.s3, c.bucket, reportFolders(c.settings.storage.prefixes.reports).setAside),
    none: "no file is set aside as unreadable: nothing to requeue",
  },
};

const USAGE = `usage: npm run requeue -- --stack S [--reason dimension|unreadable] [--dry-run] [--no-wait] [--outputs FILE]

Queues files again (each object copied onto itself) and requests a pass:
  dimension   (default) the files whose quarantined rows failed the airport lookup (run seed:warehouse with the
              fixed airport file first): rows that now join move into the table, and each file's quarantine keeps
              only what still fails
  unreadable  the files a failed pass set aside because S3 refused to read them (fix the access, or restore an
              archived object, first): each is read again and its set-aside marker goes
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
  const name = String(args.reason ?? "dimension");
  const reason = Object.hasOwn(REASONS, name) ? REASONS[name] : undefined;
  if (!reason) throw new OperatorError(`--reason ${name}: not one of ${Object.keys(REASONS).join(", ")}`);
  const c = await bucketCommand(String(args.stack), args.outputs as string | undefined);
  const files = await reason.files(c);
  if (!files.length) return console.log(reason.none);
  return queueAndStart(c, files, Boolean(args["dry-run"]), Boolean(args.wait), { source: "requeue", reason: name });
});
