import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binShares, jensenShannonFromShares, kolmogorovQ, kolmogorovSmirnov, psi, psiFromShares, psiLevel, quantileEdges } from '../../src/telemetry/drift/statistics.js';

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol, `${a} is not ${b}`);

test('PSI of two small share vectors, by hand', () => {
  // (0.3-0.5)ln(0.3/0.5) + (0.7-0.5)ln(0.7/0.5) = 0.2*0.5108256 + 0.2*0.3364722 = 0.1694596
  close(psiFromShares([0.5, 0.5], [0.3, 0.7]), 0.2 * Math.log(0.5 / 0.3) + 0.2 * Math.log(0.7 / 0.5));
  close(psiFromShares([0.5, 0.5], [0.3, 0.7]), 0.16945957, 1e-7);
  close(psiFromShares([0.25, 0.25, 0.5], [0.25, 0.25, 0.5]), 0);
  // An empty bin is floored at 1e-4 instead of making PSI infinite.
  close(psiFromShares([0.5, 0.5], [1, 0]), (1 - 0.5) * Math.log(1 / 0.5) + (1e-4 - 0.5) * Math.log(1e-4 / 0.5));
});

test('PSI levels follow the 0.1 / 0.25 thresholds', () => {
  assert.equal(psiLevel(0.05), 'stable');
  assert.equal(psiLevel(0.1), 'moderate');
  assert.equal(psiLevel(0.2499), 'moderate');
  assert.equal(psiLevel(0.25), 'significant');
});

test('bins come from the reference quantiles', () => {
  const reference = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.deepEqual(quantileEdges(reference, 2), [6]);
  assert.deepEqual(binShares([1, 2, 6, 7, 8], [6]), [0.4, 0.6]);
  // A sample from the same values has PSI 0; a shifted one a large PSI.
  close(psi(reference, reference, 5), 0);
  assert.ok(psi(reference, reference.map((v) => v + 10), 5) > 0.25);
});

test('Kolmogorov–Smirnov statistic and p-value, by hand', () => {
  // CDFs of {1,2,3} and {2,3,4} differ by at most 1/3 (at 1 and at 3).
  const r = kolmogorovSmirnov([1, 2, 3], [2, 3, 4]);
  close(r.statistic, 1 / 3);
  // Disjoint samples: D = 1.
  assert.equal(kolmogorovSmirnov([1, 2], [3, 4]).statistic, 1);
  assert.equal(kolmogorovSmirnov([1, 2, 3], [1, 2, 3]).statistic, 0);
  // Q(1) = 2(e^-2 - e^-8 + e^-18 - ...) = 0.26999967
  close(kolmogorovQ(1), 0.26999967, 1e-7);
  close(kolmogorovQ(0), 1);
  // n = m = 100, D = 0.2: λ = (√50 + 0.12 + 0.11/√50)·0.2 = 1.4397; Q(1.4397) ≈ 0.0319
  const a = Array.from({ length: 100 }, (_, i) => i);
  const b = a.map((v) => v + 20);
  const ks = kolmogorovSmirnov(a, b);
  close(ks.statistic, 0.2);
  const en = Math.sqrt(50);
  close(ks.pValue, kolmogorovQ((en + 0.12 + 0.11 / en) * 0.2));
  assert.ok(ks.pValue > 0.03 && ks.pValue < 0.034, String(ks.pValue));
});

test('Jensen–Shannon divergence (base 2), by hand', () => {
  // Disjoint distributions: 1 bit. Identical: 0.
  close(jensenShannonFromShares([1, 0], [0, 1]), 1);
  close(jensenShannonFromShares([0.5, 0.5], [0.5, 0.5]), 0);
  // p = (0.5, 0.5), q = (1, 0): m = (0.75, 0.25);
  // JS = ½[0.5 log2(0.5/0.75) + 0.5 log2(0.5/0.25)] + ½[1·log2(1/0.75)] = 0.3112781
  close(jensenShannonFromShares([0.5, 0.5], [1, 0]), 0.5 * (0.5 * Math.log2(0.5 / 0.75) + 0.5 * Math.log2(2)) + 0.5 * Math.log2(1 / 0.75));
  close(jensenShannonFromShares([0.5, 0.5], [1, 0]), 0.3112781, 1e-7);
});
