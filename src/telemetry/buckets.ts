/** Histogram buckets shared by the serving metrics, in base units. */

/**
 * Why: seconds from 100 µs (identity on CPU) to 10 s (a large batch on a slow device), dense
 * around 5-250 ms where latency SLO thresholds sit; an SLO threshold should be one of these
 * bounds so Prometheus' `le` series and the in-process SLO maths count the same requests.
 */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Why: from 50 µs (a request that never waits) to 10 s (a deadline-bound throughput wait). */
export const WAIT_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Why: powers of two up to the largest max_batch_size a model typically declares. */
export const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
