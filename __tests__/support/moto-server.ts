import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");

/** The project's Python (scripts/tooling/python-env.mjs creates the venv on first use). */
export function projectPython(): string {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "tooling", "python-env.mjs")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) throw new Error("could not create the project's Python environment (see above)");
  return r.stdout.trim();
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A moto server on a free loopback port: a real S3, EventBridge and SQS API for one test file. */
export class MotoServer {
  private child?: ChildProcess;
  endpoint = "";

  async start(): Promise<this> {
    const port = await freePort();
    this.endpoint = `http://127.0.0.1:${port}`;
    this.child = spawn(projectPython(), ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
    // Stops polling once stop() ran (a beforeAll that timed out): a loop left running keeps jest's worker alive.
    for (let i = 0; i < 100 && this.child; i++) {
      try {
        const res = await fetch(`${this.endpoint}/moto-api/`);
        if (res.ok) return this;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 100).unref());
    }
    throw new Error(`moto server did not answer on ${this.endpoint}`);
  }

  /** Makes the server run each execution's definition (moto's ASL interpreter) instead of leaving it RUNNING. */
  async executeStateMachines(): Promise<void> {
    const res = await fetch(`${this.endpoint}/moto-api/config`, {
      method: "POST",
      body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
    });
    if (!res.ok) throw new Error(`moto refused its Step Functions config: ${res.status}`);
  }

  stop(): void {
    this.child?.kill();
    this.child = undefined;
  }

  /** Client settings for an AWS SDK v3 client of this server (placeholder credentials). */
  get clientConfig() {
    return { endpoint: this.endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "test", secretAccessKey: "test" } };
  }
}
