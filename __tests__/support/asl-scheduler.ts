import { type Clock, ExecutionAborted } from "./asl-simulator";

interface Wakeup {
  at: number;
  seq: number;
  run: () => void;
  owner?: string;
}

/**
 * Simulated time for many executions at once. Exactly one piece of work runs at a time: an execution runs until
 * it sleeps (a Wait, a retry delay, a task's duration), then the earliest wake-up runs. Work that awaits real I/O
 * (a call to the moto server) keeps the clock still until it sleeps or ends, so the interleaving depends only on
 * the simulated times, never on how fast the machine is.
 */
export class Scheduler {
  private time: number;
  private seq = 0;
  private active = 0;
  private queue: Wakeup[] = [];
  private idle?: () => void;
  private failure?: unknown;
  private readonly sleeping = new Map<string, { wakeup: Wakeup; reject: (e: unknown) => void }>();
  private readonly aborted = new Set<string>();

  constructor(readonly startMs = Date.parse("2026-01-01T00:00:00Z")) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  /** Runs `fn` at simulated time `at` (ms since the epoch). */
  at(at: number, fn: () => void): void {
    this.push({ at: Math.max(at, this.time), seq: this.seq++, run: fn });
  }

  /** Starts concurrent work now; it counts as running until its promise settles. */
  spawn(work: () => Promise<unknown>): void {
    this.active++;
    work()
      .catch((e) => {
        this.failure ??= e;
      })
      .finally(() => {
        this.active--;
        this.pump();
      });
  }

  /** The clock of one execution (its sleeps can be cut short by `abort`). */
  clock(owner: string): Clock {
    return {
      now: () => this.time,
      sleep: (ms) => this.sleep(owner, ms),
    };
  }

  /** StopExecution: the owner's current or next sleep throws ExecutionAborted. */
  abort(owner: string): void {
    this.aborted.add(owner);
    const pending = this.sleeping.get(owner);
    if (!pending) return;
    this.sleeping.delete(owner);
    this.queue = this.queue.filter((w) => w !== pending.wakeup);
    this.at(this.time, () => {
      this.active++;
      pending.reject(new ExecutionAborted(owner));
    });
  }

  /** Resolves once nothing runs and nothing is scheduled; rejects with the first error of any spawned work. */
  async run(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.idle = resolve;
      this.pump();
    });
    if (this.failure) throw this.failure;
  }

  private sleep(owner: string, ms: number): Promise<void> {
    if (this.aborted.has(owner)) return Promise.reject(new ExecutionAborted(owner));
    return new Promise<void>((resolve, reject) => {
      const wakeup: Wakeup = {
        at: this.time + Math.max(0, ms),
        seq: this.seq++,
        owner,
        run: () => {
          this.sleeping.delete(owner);
          this.active++;
          resolve();
        },
      };
      this.sleeping.set(owner, { wakeup, reject });
      this.push(wakeup);
      this.active--;
      this.pump();
    });
  }

  private push(w: Wakeup): void {
    this.queue.push(w);
    this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  private pump(): void {
    // Deferred: the work that just slept or ended must reach its await before anything else runs.
    setImmediate(() => {
      while (this.active === 0) {
        const next = this.queue.shift();
        if (!next) {
          this.idle?.();
          return;
        }
        this.time = next.at;
        next.run();
      }
    });
  }
}
