import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canTransition, STAGES, TRANSITIONS } from '../../src/registry/lifecycle/stages.js';
import { unmetGates } from '../../src/registry/lifecycle/gates.js';

test('the lifecycle allows exactly the documented moves', () => {
  const allowed = STAGES.flatMap((from) => STAGES.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`));
  assert.deepEqual(allowed.sort(), [
    'approved->production', 'approved->retired', 'approved->staged', 'draft->retired', 'draft->staged',
    'production->approved', 'production->retired', 'staged->approved', 'staged->draft', 'staged->retired',
  ]);
  assert.deepEqual(TRANSITIONS.retired, []);
  assert.equal(canTransition('draft', 'production'), false, 'no skipping the review');
});

const policy = { approvals: [{ role: 'approver', count: 2 }], thresholds: [{ metric: 'accuracy', dataset: 'holdout', op: '>=' as const, value: 0.9 }] };

test('gates: approvals by distinct keys other than the pusher, and thresholds on the latest evaluation', () => {
  assert.deepEqual(unmetGates(policy, 'pusher', [], []).length, 2);
  const approvals = [{ keyId: 'pusher', role: 'approver' }, { keyId: 'a', role: 'approver' }, { keyId: 'a', role: 'approver' }, { keyId: 'b', role: 'viewer' }];
  assert.match(unmetGates(policy, 'pusher', approvals, [])[0] ?? '', /needs 2 approval\(s\) by role 'approver'.*has 1/);
  const enough = [...approvals, { keyId: 'c', role: 'approver' }];
  assert.match(unmetGates(policy, 'pusher', enough, [])[0] ?? '', /needs an evaluation of 'accuracy' on dataset 'holdout'/);
  assert.match(unmetGates(policy, 'pusher', enough, [{ dataset: 'holdout', metrics: { accuracy: 0.8 } }])[0] ?? '', /is 0.8, needs >= 0.9/);
  assert.deepEqual(unmetGates(policy, 'pusher', enough, [{ dataset: 'holdout', metrics: { accuracy: 0.95 } }]), []);
  assert.equal(unmetGates(policy, 'pusher', enough, [{ dataset: 'holdout', metrics: { accuracy: 0.95 } }, { dataset: 'holdout', metrics: { accuracy: 0.5 } }]).length, 1, 'the latest evaluation decides');
  assert.equal(unmetGates(policy, 'pusher', enough, [{ dataset: 'train', metrics: { accuracy: 0.99 } }]).length, 1, 'another dataset does not count');
});
