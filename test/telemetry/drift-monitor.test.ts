import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DriftMonitor, type DriftAlert } from '../../src/telemetry/drift/drift-monitor.js';
import { SampleWindow } from '../../src/telemetry/drift/sample-window.js';

test('the window keeps the newest samples inside its time span', () => {
  const w = new SampleWindow(3, 1000);
  w.push(1, 0);
  w.push(2, 100);
  w.push(3, 200);
  w.push(4, 300); // capacity 3: 1 goes
  assert.deepEqual(w.snapshot(300), [2, 3, 4]);
  assert.deepEqual(w.snapshot(1150), [3, 4]); // 2 (at 100) is older than 1150 - 1000
  assert.deepEqual(w.snapshot(5000), []);
});

test('the reference is learnt from the first N samples; a shift raises one alert', () => {
  const alerts: DriftAlert[] = [];
  const m = new DriftMonitor('m:1', { windowMs: 60_000, maxSamples: 1000, referenceFirstN: 200, minSamples: 30 }, (a) => alerts.push(a));
  m.addFeature('x', 'input');
  let t = 0;
  for (let i = 0; i < 200; i++) m.observe('x', i % 100, t++);
  assert.equal(m.report(t)[0]?.referenceSource, 'first_n');
  assert.equal(m.report(t)[0]?.psi, undefined, 'no statistics before the window has samples');
  for (let i = 0; i < 200; i++) m.observe('x', i % 100, t++);
  const stable = m.report(t)[0]!;
  assert.ok(stable.psi! < 0.1, String(stable.psi));
  assert.equal(alerts.length, 0);
  for (let i = 0; i < 1000; i++) m.observe('x', 50 + (i % 100), t++);
  const shifted = m.report(t)[0]!;
  assert.ok(shifted.psi! > 0.25, String(shifted.psi));
  assert.equal(shifted.level, 'significant');
  m.report(t);
  assert.equal(alerts.length, 1, 'one alert per excursion');
  assert.match(alerts[0]!.reason, /PSI .* over 0.25/);
});
