/**
 * `npm run bench -- telemetry`: what the per-request telemetry costs on the request path:
 * the request, SLO and scheduling observations of one served request, through pre-bound
 * children found by nested maps (ours), against the same observations through prom-client's
 * label objects, a fresh one per call (the baseline a straightforward implementation pays).
 * Both count the request against its SLO the same way. Tracing off adds one `undefined` check and is not measured.
 * Last stdout line: {"bench":"telemetry","ratio":<ours ns ÷ baseline ns>,...}; lower is better.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import { ServingMetrics } from '../src/telemetry/serving-metrics.js';
import { SchedulingMetrics } from '../src/telemetry/scheduling-metrics.js';
import { SloBook } from '../src/telemetry/slo/slo-book.js';
import { compileSlo } from '../src/telemetry/slo/objective.js';
import { systemClock } from '../src/core/clock.js';
import { formatTable } from '../src/sim/report.js';
import { median } from './lib/stats.js';

const MODELS = ['identity', 'sensor-anomaly', 'silero-vad', 'ocr-cls'];
const HARDWARE = ['cpu-x86', 'nvidia-h200'];
const CLASSES = ['realtime', 'throughput'] as const;

function ours(iterations: number): number {
  const serving = new ServingMetrics({ processMetrics: false });
  const scheduling = new SchedulingMetrics(serving.registry, () => []);
  const book = new SloBook(systemClock);
  for (const model of MODELS) for (const latencyClass of CLASSES) book.set(compileSlo(model, '1', latencyClass, {}));
  const deployments = MODELS.map((m) => `${m}:1`);
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const model = MODELS[i & 3] ?? '';
    const hardwareClass = HARDWARE[i & 1] ?? '';
    const latencyClass = CLASSES[(i >> 1) & 1] ?? 'realtime';
    const seconds = (i % 100) / 10000;
    serving.observe({ model, version: '1', hardwareClass, latencyClass, outcome: 'ok', status: 200, seconds });
    serving.inferred(model, '1', hardwareClass, latencyClass, 1);
    scheduling.observeRequest(model, '1', hardwareClass, latencyClass, seconds / 4, seconds / 2);
    book.record(deployments[i & 3] ?? '', latencyClass, seconds, false);
  }
  return Number(process.hrtime.bigint() - start) / iterations;
}

function baseline(iterations: number): number {
  const registry = new Registry();
  const buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  const requests = new Counter({ name: 'b_requests_total', help: 'h', labelNames: ['model', 'version', 'latency_class', 'outcome'], registers: [registry] });
  const duration = new Histogram({ name: 'b_duration_seconds', help: 'h', labelNames: ['model', 'version', 'hardware_class', 'latency_class', 'outcome_class'], buckets, registers: [registry] });
  const inferences = new Counter({ name: 'b_inferences_total', help: 'h', labelNames: ['model', 'version', 'hardware_class', 'latency_class'], registers: [registry] });
  const queue = new Histogram({ name: 'b_queue_seconds', help: 'h', labelNames: ['model', 'version', 'hardware_class', 'latency_class'], buckets, registers: [registry] });
  const compute = new Histogram({ name: 'b_compute_seconds', help: 'h', labelNames: ['model', 'version', 'hardware_class', 'latency_class'], buckets, registers: [registry] });
  const book = new SloBook(systemClock);
  for (const model of MODELS) for (const latencyClass of CLASSES) book.set(compileSlo(model, '1', latencyClass, {}));
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const model = MODELS[i & 3] ?? '';
    const hardwareClass = HARDWARE[i & 1] ?? '';
    const latencyClass = CLASSES[(i >> 1) & 1] ?? 'realtime';
    const seconds = (i % 100) / 10000;
    requests.inc({ model, version: '1', latency_class: latencyClass, outcome: 'ok' });
    duration.observe({ model, version: '1', hardware_class: hardwareClass, latency_class: latencyClass, outcome_class: 'ok' }, seconds);
    inferences.inc({ model, version: '1', hardware_class: hardwareClass, latency_class: latencyClass }, 1);
    queue.observe({ model, version: '1', hardware_class: hardwareClass, latency_class: latencyClass }, seconds / 4);
    compute.observe({ model, version: '1', hardware_class: hardwareClass, latency_class: latencyClass }, seconds / 2);
    book.record(`${model}:1`, latencyClass, seconds, false);
  }
  return Number(process.hrtime.bigint() - start) / iterations;
}

export async function main(args: readonly string[]): Promise<number> {
  const iterations = args.includes('--quick') ? 100_000 : 1_000_000;
  const rounds = 5;
  ours(iterations / 10);
  baseline(iterations / 10);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(ours(iterations));
    b.push(baseline(iterations));
    process.stderr.write(`  round ${r + 1}/${rounds}: ours ${a[r]?.toFixed(0)} ns, baseline ${b[r]?.toFixed(0)} ns\n`);
  }
  const oursNs = median(a);
  const baseNs = median(b);
  const ratio = oursNs / baseNs;
  const table = formatTable([
    ['per served request', 'ns (median of rounds)'],
    ['ours: pre-bound children + SLO ring (5 metric updates + 1 SLO count)', oursNs.toFixed(0)],
    ['baseline: prom-client labels object per call (5 metric updates + 1 SLO count)', baseNs.toFixed(0)],
  ]);
  process.stdout.write(`\nTelemetry cost on the request path (${iterations} requests per round, ${rounds} rounds)\n\n${table}\n\nratio (ours / baseline): ${ratio.toFixed(3)}\n`);
  process.stdout.write(`${JSON.stringify({ bench: 'telemetry', ratio: Math.round(ratio * 1000) / 1000, ours_ns: Math.round(oursNs), baseline_ns: Math.round(baseNs), iterations, rounds })}\n`);
  return 0;
}
