#!/usr/bin/env node
// `npm run sample:data [-- --days N] [--out DIR]`: writes ./data (or DIR), laid out like the data bucket:
// the real BTS airport file and the first N days (default 5) of vega-datasets' real 2001 flights, mapped to BTS
// airport ids (glue-jobs/tests/vega_flights.py). The README's commands use ./data as they are.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./lib/project.mjs";
import { ensurePythonEnv, GLUE_ENV } from "./lib/python-env.mjs";

const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const out = option("out", join(process.cwd(), "data"));
const r = spawnSync(ensurePythonEnv(GLUE_ENV), [join(ROOT, "glue-jobs", "tests", "vega_flights.py"), out, "--days", option("days", "5")], { stdio: "inherit" });
process.exit(r.status ?? 1);
