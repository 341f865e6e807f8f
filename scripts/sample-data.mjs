#!/usr/bin/env node
// `npm run sample:data [-- --days N] [--out DIR]`: writes ./data (or DIR), laid out like the data bucket:
// the real BTS airport file and the first N days (default 5) of vega-datasets' real 2001 flights, mapped to BTS
// airport ids (glue-jobs/tests/vega_flights.py). The README's commands use ./data as they are.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "./lib/project.mjs";
import { ensurePythonEnv, GLUE_ENV } from "./lib/python-env.mjs";

const USAGE = "usage: npm run sample:data [-- --days N] [--out DIR]";
let values;
try {
  // strict: an unknown or misspelt flag is refused, never ignored.
  ({ values } = parseArgs({
    options: { days: { type: "string", default: "5" }, out: { type: "string", default: join(process.cwd(), "data") } },
    strict: true,
  }));
} catch (e) {
  console.error(`error: ${e.message}\n\n${USAGE}`);
  process.exit(2);
}
const r = spawnSync(ensurePythonEnv(GLUE_ENV), [join(ROOT, "glue-jobs", "tests", "vega_flights.py"), values.out, "--days", values.days], { stdio: "inherit" });
process.exit(r.status ?? 1);
