/**
 * How a benchmark server child talks to its parent: it prints `{"port":N}` as one stdout line
 * once listening, and shuts down (then exits 0, so `--cpu-prof` profiles get written) on
 * SIGTERM, SIGINT, or when its stdin closes — which is what happens when the parent dies.
 */
export function announceAndServe(port: number, close: () => Promise<void>): void {
  let closing = false;
  const shutdown = (code: number): void => {
    if (closing) return;
    closing = true;
    setTimeout(() => process.exit(code), 5000).unref();
    close().then(
      () => process.exit(code),
      (error: unknown) => {
        process.stderr.write(`bench server: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGINT', () => shutdown(0));
  process.stdin.on('end', () => shutdown(0));
  process.stdin.on('error', () => shutdown(0));
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ port })}\n`);
}

/** Model names from argv; the benchmark passes the ones it measures. */
export function modelNames(argv: readonly string[]): string[] {
  const names = argv.filter((a) => !a.startsWith('-'));
  if (names.length === 0) throw new Error('usage: <server>.ts <model> [<model>...]');
  return names;
}

export const MODELS_DIR = new URL('../../models/', import.meta.url);

/**
 * With SWITCHYARD_BENCH_LOOP_LOG=FILE, appends one line per second to FILE: the event loop's
 * delay (p50, p99, max in ms) and garbage collection over that second, to tell the server's own
 * lag from the load generator's.
 */
export async function logEventLoopDelay(): Promise<void> {
  const file = process.env.SWITCHYARD_BENCH_LOOP_LOG;
  if (!file) return;
  const { monitorEventLoopDelay, PerformanceObserver } = await import('node:perf_hooks');
  const { appendFileSync } = await import('node:fs');
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let gcMs = 0;
  let gcLongest = 0;
  // Scavenges (young generation) and mark-compacts (whole heap) counted apart: their pauses differ by an order.
  let scavenges = 0;
  let markCompacts = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcMs += entry.duration;
      gcLongest = Math.max(gcLongest, entry.duration);
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      if (kind === 1) scavenges++;
      else if (kind === 4) markCompacts++;
    }
  }).observe({ entryTypes: ['gc'] });
  setInterval(() => {
    const ms = (ns: number): string => (ns / 1e6).toFixed(1);
    appendFileSync(file, `${new Date().toISOString()} loop delay p50 ${ms(histogram.percentile(50))} p99 ${ms(histogram.percentile(99))} max ${ms(histogram.max)}; gc ${gcMs.toFixed(1)} ms, longest ${gcLongest.toFixed(1)} (${scavenges} scavenges, ${markCompacts} mark-compacts)\n`);
    histogram.reset();
    gcMs = 0;
    gcLongest = 0;
    scavenges = 0;
    markCompacts = 0;
  }, 1000).unref();
}
