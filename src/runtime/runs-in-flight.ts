/**
 * The batches a backend accepted and has not settled: its `inFlight`, and what `unload` waits
 * for before it frees the model (the Backend contract). A run is counted until its promise
 * settles; the count drops before the caller's own handlers run, so a caller that awaited its
 * run reads the count without it.
 */
export class RunsInFlight {
  private count = 0;
  private waiters: (() => void)[] = [];

  get size(): number {
    return this.count;
  }

  /** Counts `run` until it settles; returns it unchanged. */
  track<T>(run: Promise<T>): Promise<T> {
    this.count++;
    const done = (): void => {
      if (--this.count === 0 && this.waiters.length > 0) for (const wake of this.waiters.splice(0)) wake();
    };
    run.then(done, done);
    return run;
  }

  /** Resolves once no run is in flight. */
  drained(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}
