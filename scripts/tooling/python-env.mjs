#!/usr/bin/env node
// Prints the path of the project's Python (creating .venv from glue-jobs/requirements.lock when needed).
// For callers that cannot import ESM, such as jest's support code.
import { ensurePythonEnv, GLUE_ENV } from "../lib/python-env.mjs";

process.stdout.write(ensurePythonEnv(GLUE_ENV));
