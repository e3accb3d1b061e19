import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Progress, usableColumns } from '../../src/sim/progress.js';

function terminal(columns: number | undefined): { writes: string[]; stream: { isTTY: true; columns: number; write: (s: string) => boolean } } {
  const writes: string[] = [];
  return { writes, stream: { isTTY: true, columns: columns as number, write: (s: string) => writes.push(s) > 0 } };
}

// A terminal that reports 0 columns (a serial console, `script`, some CI runners) once cut
// every label by a character and threw RangeError from done(), losing the chart.
test('the progress bar draws whole labels and ends cleanly in a terminal reporting 0 columns', () => {
  for (const columns of [0, -1, Number.NaN, undefined]) {
    const { writes, stream } = terminal(columns);
    const progress = new Progress(stream);
    progress.update(0.5, 'ours sweep 3/9');
    progress.update(1, 'power-of-two sweep 9/9');
    assert.doesNotThrow(() => progress.done());
    assert.ok(writes.some((w) => w.includes('ours sweep 3/9')), `${columns}: ${JSON.stringify(writes)}`);
    assert.ok(writes.some((w) => w.includes('power-of-two sweep 9/9')));
    assert.match(writes.at(-1)!, /^\r *\r$/);
  }
});

test('a narrow terminal keeps the label and never writes past its width', () => {
  const { writes, stream } = terminal(40);
  const progress = new Progress(stream);
  progress.update(0.25, 'least-outstanding goodput search: 153600 req/s');
  progress.done();
  for (const w of writes) assert.ok(w.replace(/\r/g, '').length <= 39, JSON.stringify(w));
  assert.match(writes[0]!, /25% least-outstanding/);
  assert.equal(usableColumns(0), 99);
  assert.equal(usableColumns(80), 79);
});

test('no progress is drawn when stderr is not a terminal', () => {
  const writes: string[] = [];
  const progress = new Progress({ isTTY: false, columns: 80, write: (s: string) => writes.push(s) > 0 });
  progress.update(0.5, 'x');
  progress.done();
  assert.deepEqual(writes, []);
});
