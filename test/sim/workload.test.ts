import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/sim/rng.js';
import { arrivalProcess, parseWorkload, RequestMix, type WorkloadSpec } from '../../src/sim/workload.js';
import { toyCluster } from './helpers.js';

function arrivals(spec: WorkloadSpec, n: number, seed = 1): Float64Array {
  const process = arrivalProcess(spec, seed, n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = process.nextMs();
  return out;
}

/** Variance over mean of the counts in windows of `windowMs` (1 for Poisson). */
function dispersion(times: Float64Array, windowMs: number): number {
  const windows = Math.floor(times[times.length - 1]! / windowMs);
  const counts = new Float64Array(windows);
  for (const t of times) {
    const w = Math.floor(t / windowMs);
    if (w < windows) counts[w]!++;
  }
  const mean = counts.reduce((a, b) => a + b, 0) / windows;
  const variance = counts.reduce((a, c) => a + (c - mean) ** 2, 0) / (windows - 1);
  return variance / mean;
}

test('the generator is seeded: same seed same stream, streams independent by label', () => {
  const a = new Rng(42, 'x');
  const b = new Rng(42, 'x');
  const c = new Rng(42, 'y');
  const xs = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b.next()));
  assert.notDeepEqual(xs, Array.from({ length: 5 }, () => c.next()));
  let sum = 0;
  const r = new Rng(7);
  for (let i = 0; i < 100_000; i++) sum += r.next();
  assert.ok(Math.abs(sum / 100_000 - 0.5) < 0.01);
});

test('poisson arrivals have the mean rate asked for, and counts with dispersion near 1', () => {
  const times = arrivals({ kind: 'poisson', ratePerS: 2000 }, 100_000);
  for (let i = 1; i < times.length; i++) assert.ok(times[i]! >= times[i - 1]!);
  const rate = (times.length / times[times.length - 1]!) * 1000;
  assert.ok(Math.abs(rate / 2000 - 1) < 0.02, `rate ${rate}`);
  const d = dispersion(times, 10);
  assert.ok(d > 0.85 && d < 1.15, `dispersion ${d}`);
});

test('mmpp arrivals keep the mean rate but are burstier than poisson', () => {
  const times = arrivals({ kind: 'mmpp', ratePerS: 2000 }, 200_000);
  const rate = (times.length / times[times.length - 1]!) * 1000;
  assert.ok(Math.abs(rate / 2000 - 1) < 0.1, `rate ${rate}`);
  const poisson = dispersion(arrivals({ kind: 'poisson', ratePerS: 2000 }, 200_000), 50);
  const mmpp = dispersion(times, 50);
  assert.ok(mmpp > 3 * poisson, `mmpp dispersion ${mmpp} vs poisson ${poisson}`);
});

test('diurnal arrivals follow the sine: busy first half-period, quiet second', () => {
  const n = 100_000;
  const times = arrivals({ kind: 'diurnal', ratePerS: 1000, diurnal: { amplitude: 0.6 } }, n);
  const period = (n / 1000) * 1000; // default: one period per run, ms
  const quarters = [0, 0, 0, 0];
  for (const t of times) if (t < period) quarters[Math.floor((t / period) * 4)]!++;
  // Rate 1 + 0.6 sin: the first two quarters hold (1 + 0.6 * 2/pi) / 2 of a period's arrivals each way.
  const first = quarters[0]! + quarters[1]!;
  const second = quarters[2]! + quarters[3]!;
  const expected = (1 + (0.6 * 2) / Math.PI) / (1 - (0.6 * 2) / Math.PI);
  assert.ok(Math.abs(first / second / expected - 1) < 0.05, `ratio ${first / second} vs ${expected}`);
  const rate = (times.length / times[times.length - 1]!) * 1000;
  assert.ok(Math.abs(rate / 1000 - 1) < 0.05, `rate ${rate}`);
});

test('doubling the rate replays the same seeded stream twice as fast', () => {
  for (const kind of ['poisson', 'mmpp', 'diurnal'] as const) {
    const slow = arrivals({ kind, ratePerS: 1000 }, 2000, 9);
    const fast = arrivals({ kind, ratePerS: 2000 }, 2000, 9);
    for (let i = 0; i < slow.length; i++) assert.ok(Math.abs(slow[i]! / 2 - fast[i]!) < 1e-6 * slow[i]!, `${kind} arrival ${i}`);
  }
});

test('the request mix follows the traffic spec', () => {
  const cluster = toyCluster();
  const mix = new RequestMix(cluster.traffic, 3);
  const n = 50_000;
  let realtime = 0;
  let critical = 0;
  let rows = 0;
  for (let i = 0; i < n; i++) {
    const t = mix.draw(-1);
    if (t.latencyClass === 'realtime') {
      realtime++;
      assert.equal(t.deadlineMs, 20);
    } else assert.ok(t.deadlineMs >= 100 && t.deadlineMs <= 200);
    if (t.priority === 'critical') critical++;
    rows += t.rows;
  }
  assert.ok(Math.abs(realtime / n - 0.5) < 0.01);
  assert.ok(Math.abs(critical / n - 0.1) < 0.01);
  assert.ok(Math.abs(rows / n - (0.7 + 0.4 + 0.4)) < 0.03);
  // Trace sizes: ceil(tokens / tokens_per_row), capped at max_rows.
  assert.equal(mix.draw(1).rows, 1);
  assert.equal(mix.draw(1025).rows, 2);
  assert.equal(mix.draw(1_000_000).rows, 8);
});

test('workload names parse, with a clear error otherwise', () => {
  assert.deepEqual(parseWorkload('mmpp', 5), { kind: 'mmpp', ratePerS: 5 });
  assert.deepEqual(parseWorkload('trace:a.csv,b.csv', 5), { kind: 'trace', ratePerS: 5, tracePaths: ['a.csv', 'b.csv'] });
  assert.throws(() => parseWorkload('gamma', 5), /--workload must be poisson, mmpp, diurnal or trace:PATH, got 'gamma'/);
  assert.throws(() => parseWorkload('trace:', 5), /needs a file/);
  assert.throws(() => arrivalProcess({ kind: 'poisson', ratePerS: 0 }, 1, 1), /rate must be a positive number/);
});
