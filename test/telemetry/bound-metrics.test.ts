import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { BoundCounter, BoundHistogram } from '../../src/telemetry/bound-metrics.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const LABELS = ['model', 'outcome'] as const;

/** The same observations through prom-client's own metrics and through ours: the scraped text must match line for line. */
function render(observations: readonly { model: string; outcome: string; value: number }[]): Promise<[string, string]> {
  const theirs = new Registry();
  const ours = new Registry();
  const h1 = new Histogram({ name: 'x_seconds', help: 'h', labelNames: [...LABELS], buckets: BUCKETS, registers: [theirs] });
  const c1 = new Counter({ name: 'x_total', help: 'c', labelNames: [...LABELS], registers: [theirs] });
  const h2 = new BoundHistogram({ name: 'x_seconds', help: 'h', labelNames: LABELS, buckets: BUCKETS, registers: [ours] });
  const c2 = new BoundCounter({ name: 'x_total', help: 'c', labelNames: LABELS, registers: [ours] });
  for (const { model, outcome, value } of observations) {
    h1.labels({ model, outcome }).observe(value);
    c1.labels({ model, outcome }).inc(2);
    h2.labels(model, outcome).observe(value);
    c2.labels(model, outcome).inc(2);
  }
  return Promise.all([theirs.metrics(), ours.metrics()]);
}

test('bound histograms and counters scrape exactly as prom-client renders the same observations', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          model: fc.constantFrom('a', 'b'),
          outcome: fc.constantFrom('ok', 'QUEUE_FULL'),
          // Bounds themselves are included: `le` counts a value equal to its bound.
          value: fc.oneof(fc.constantFrom(...BUCKETS, 0, 5), fc.double({ min: 0, max: 3, noNaN: true })),
        }),
        { maxLength: 40 },
      ),
      async (observations) => {
        const [theirs, ours] = await render(observations);
        assert.equal(ours, theirs);
      },
    ),
    { numRuns: 60 },
  );
});

test('a child is bound once per label set, and the wrong number of label values is refused', () => {
  const registry = new Registry();
  const counter = new BoundCounter({ name: 'y_total', help: 'c', labelNames: ['a', 'b'], registers: [registry] });
  assert.equal(counter.labels('1', '2'), counter.labels('1', '2'));
  assert.notEqual(counter.labels('1', '2'), counter.labels('1', '3'));
  assert.throws(() => counter.labels('1'), /2 label values expected/);
});
