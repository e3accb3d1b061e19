/**
 * Per-version inference statistics in the shape of Triton's statistics extension
 * (GET /v2/models[/{m}[/versions/{v}]]/stats), which perf_analyzer reads for its server-side
 * figures. Counted from the model's own answers: a fallback's answer is neither a success nor a
 * failure of the model. Times are whole nanoseconds; `execution_count` is the number of backend
 * runs (each request adds its share of the batch it ran in, so a batch of k requests adds 1).
 */
export interface StatDuration {
  count: number;
  ns: number;
}

interface VersionStats {
  lastInferenceMs: number;
  inferenceCount: number;
  executions: number;
  success: StatDuration;
  fail: StatDuration;
  queue: StatDuration;
  computeInfer: StatDuration;
}

const nanos = (ms: number): number => Math.max(0, Math.round(ms * 1e6));

export class InferenceStats {
  private readonly versions = new Map<string, VersionStats>();

  private of(model: string, version: string): VersionStats {
    const key = `${model}\u0000${version}`;
    let stats = this.versions.get(key);
    if (!stats) {
      const zero = (): StatDuration => ({ count: 0, ns: 0 });
      stats = { lastInferenceMs: 0, inferenceCount: 0, executions: 0, success: zero(), fail: zero(), queue: zero(), computeInfer: zero() };
      this.versions.set(key, stats);
    }
    return stats;
  }

  /** One request the model answered: `rows` of a batch of `batchRows`, its whole time, queue and compute. */
  success(model: string, version: string, facts: { rows: number; batchRows: number; totalMs: number; queueMs: number; computeMs: number; atMs: number }): void {
    const stats = this.of(model, version);
    stats.lastInferenceMs = facts.atMs;
    stats.inferenceCount += facts.rows;
    stats.executions += facts.rows / Math.max(facts.rows, facts.batchRows);
    stats.success.count++;
    stats.success.ns += nanos(facts.totalMs);
    stats.queue.count++;
    stats.queue.ns += nanos(facts.queueMs);
    stats.computeInfer.count++;
    stats.computeInfer.ns += nanos(facts.computeMs);
  }

  /** One request of a known version that ended in an error after it was decoded. */
  failure(model: string, version: string, totalMs: number): void {
    const stats = this.of(model, version);
    stats.fail.count++;
    stats.fail.ns += nanos(totalMs);
  }

  /** Triton's `model_stats` entry of one version (zeros for a version never called). */
  entry(model: string, version: string): object {
    const s = this.versions.get(`${model}\u0000${version}`);
    const zero = { count: 0, ns: 0 };
    const count = s?.success.count ?? 0;
    return {
      name: model,
      version,
      last_inference: s?.lastInferenceMs ?? 0,
      inference_count: s?.inferenceCount ?? 0,
      execution_count: Math.round(s?.executions ?? 0),
      inference_stats: {
        success: s ? { ...s.success } : zero,
        fail: s ? { ...s.fail } : zero,
        queue: s ? { ...s.queue } : zero,
        // Decoding and encoding are not timed apart from the whole: their counts, with no time.
        compute_input: { count, ns: 0 },
        compute_infer: s ? { ...s.computeInfer } : zero,
        compute_output: { count, ns: 0 },
        cache_hit: zero,
        cache_miss: zero,
      },
      response_stats: {},
      batch_stats: [],
      memory_usage: [],
    };
  }
}
