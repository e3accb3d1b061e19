import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UrgencyBoost } from '../../../src/runtime/onnx/onnx-instance.js';

function recorder(allowed = true): { calls: [number, number][]; setNice: (tid: number, nice: number) => boolean } {
  const calls: [number, number][] = [];
  return { calls, setNice: (tid, nice) => (calls.push([tid, nice]), allowed) };
}

test('the first urgent run raises the worker to the process nice and the last one lowers it again; nested runs change nothing', () => {
  const { calls, setNice } = recorder();
  const boost = new UrgencyBoost(42, 10, 0, setNice);
  boost.begin();
  boost.begin();
  assert.equal(boost.boosted, true);
  boost.end();
  assert.deepEqual(calls, [[42, 0]]);
  boost.end();
  assert.equal(boost.boosted, false);
  assert.deepEqual(calls, [[42, 0], [42, 10]]);
});

test('no boost without a thread id, or for a worker not lowered below the process', () => {
  for (const boost of [new UrgencyBoost(undefined, 10, 0, recorder().setNice), new UrgencyBoost(42, 0, 0, recorder().setNice), new UrgencyBoost(42, 5, 5, recorder().setNice)]) {
    boost.begin();
    assert.equal(boost.boosted, false);
    boost.end();
  }
});

test('where raising a priority is not permitted the worker stays lowered and it is not tried again', () => {
  const { calls, setNice } = recorder(false);
  const boost = new UrgencyBoost(42, 10, 0, setNice);
  boost.begin();
  assert.equal(boost.boosted, false);
  boost.end();
  boost.begin();
  boost.end();
  assert.deepEqual(calls, [[42, 0]], 'one refused attempt, then nothing');
});

test('a retired boost (its worker is gone) never touches the thread id again', () => {
  const { calls, setNice } = recorder();
  const boost = new UrgencyBoost(42, 10, 0, setNice);
  boost.begin();
  boost.retire();
  boost.end();
  boost.begin();
  assert.equal(boost.boosted, false);
  assert.deepEqual(calls, [[42, 0]], 'only the raise before the worker went');
});
