import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CostLedger } from '../../src/telemetry/cost/cost-ledger.js';

const close = (a: number | undefined, b: number, tol = 1e-12): void => assert.ok(a !== undefined && Math.abs(a - b) <= tol, `${a} is not ${b}`);

test('node cost is attributed by busy time; the rest is idle (hand computation)', () => {
  const ledger = new CostLedger();
  // A node at $3.60/h up for 1,000 s costs $1.00.
  ledger.addNode({ node: 'n1', hardwareClass: 'cpu-x86', costPerHour: 3.6, priceSource: 'test', simulated: false }, 0);
  // Model a: 100 s busy over 4,000 inferences; model b: 50 s busy over 500 inferences.
  for (let i = 0; i < 4; i++) ledger.recordBatch({ model: 'a', version: '1', hardwareClass: 'cpu-x86', node: 'n1' }, 25, 1000);
  ledger.recordBatch({ model: 'b', version: '1', hardwareClass: 'cpu-x86', node: 'n1' }, 50, 500);
  const r = ledger.report(1_000_000);
  const node = r.nodes[0]!;
  close(node.costDollars, 1.0);
  close(node.busySeconds, 150);
  // a: $1.00 * 100 / 1000 = $0.10 -> $0.10 / 4000 * 1000 = $0.025 per 1k
  // b: $1.00 *  50 / 1000 = $0.05 -> $0.05 /  500 * 1000 = $0.10 per 1k
  const a = r.usage.find((u) => u.model === 'a')!;
  const b = r.usage.find((u) => u.model === 'b')!;
  close(a.costDollars, 0.1);
  close(a.costPer1kInferences, 0.025);
  close(b.costDollars, 0.05);
  close(b.costPer1kInferences, 0.1);
  close(node.idleDollars, 0.85);
  close(r.idleDollars, 0.85);
  close(r.totalDollars, 1.0);
  close(node.utilisation, 0.15);
  assert.equal(a.inferences, 4000);
  assert.equal(a.batches, 4);
});

test('overlapping busy time never attributes more than the node cost', () => {
  const ledger = new CostLedger();
  ledger.addNode({ node: 'n', hardwareClass: 'h200', costPerHour: 36, priceSource: 'test', simulated: true }, 1000);
  // Up 100 s ($1.00), but two instances were busy 80 s each: 160 s of busy time.
  ledger.recordBatch({ model: 'a', version: '1', hardwareClass: 'h200', node: 'n' }, 80, 10);
  ledger.recordBatch({ model: 'a', version: '2', hardwareClass: 'h200', node: 'n' }, 80, 30);
  const r = ledger.report(101_000);
  close(r.nodes[0]!.costDollars, 1.0);
  close(r.usage[0]!.costDollars, 0.5);
  close(r.usage[1]!.costDollars, 0.5);
  close(r.idleDollars, 0);
  // Per model and hardware class: $1.00 over 40 inferences = $25 per 1k.
  close(r.byModel[0]!.costPer1kInferences, 25);
});

test('a group with no inferences has no cost per 1k; a node with no work is all idle', () => {
  const ledger = new CostLedger();
  ledger.addNode({ node: 'n', hardwareClass: 'cpu-arm', costPerHour: 1.8, priceSource: 'test', simulated: false }, 0);
  const r = ledger.report(3_600_000);
  close(r.nodes[0]!.costDollars, 1.8);
  close(r.nodes[0]!.idleDollars, 1.8, 1e-9);
  assert.equal(r.usage.length, 0);
});
