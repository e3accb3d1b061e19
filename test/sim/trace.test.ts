import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadTrace, nativeRatePerS, parseTimestamp, parseTrace } from '../../src/sim/trace.js';
import { arrivalProcess } from '../../src/sim/workload.js';
import { REPO } from './helpers.js';

const TRACES = join(REPO, 'sim/traces');
const CODE = join(TRACES, 'azure-llm-2023-code.csv');
const CONV = join(TRACES, 'azure-llm-2023-conv.csv');

test('timestamps parse at 100 ns resolution', () => {
  const a = parseTimestamp('2023-11-16 18:17:03.9799600');
  const b = parseTimestamp('2023-11-16 18:17:04.0319600');
  assert.ok(Math.abs(b - a - 52) < 1e-6);
  assert.ok(Math.abs(parseTimestamp('2023-11-16 18:17:03.0000001') - parseTimestamp('2023-11-16 18:17:03') - 0.0001) < 1e-5);
  assert.ok(Number.isNaN(parseTimestamp('yesterday')));
});

test('a trace parses into offsets and token counts, without a final newline too', () => {
  const t = parseTrace('TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.5,100,10\n2023-11-16 18:17:04.0,2000,20\n2023-11-16 18:17:05.5,30,3', 'mini.csv');
  assert.deepEqual([...t.offsetsMs], [0, 500, 2000]);
  assert.deepEqual([...t.contextTokens], [100, 2000, 30]);
  assert.deepEqual([...t.generatedTokens], [10, 20, 3]);
  assert.equal(t.spanMs, 2000);
  assert.equal(nativeRatePerS(t), 1);
});

test('trace errors say the file, line and column', () => {
  assert.throws(() => parseTrace('TIME,ContextTokens,GeneratedTokens\n', 'x.csv'), /x\.csv: the header has no TIMESTAMP column/);
  assert.throws(() => parseTrace('TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.5,100,10\n2023-11-16 18:17:04,abc,1\n', 'x.csv'), /x\.csv:3: ContextTokens 'abc' is not a count/);
  assert.throws(() => parseTrace('TIMESTAMP,ContextTokens,GeneratedTokens\nnot a time,1,1\n2023-11-16 18:17:04,1,1\n', 'x.csv'), /x\.csv:2: TIMESTAMP 'not a time'/);
  assert.throws(() => parseTrace('TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:04,1,1\n', 'x.csv'), /needs at least two requests/);
});

// The upstream description says 8,818 and 19,365 requests; the files hold one more data row each.
test('the shipped traces load with all their rows', () => {
  const code = loadTrace(CODE);
  const conv = loadTrace(CONV);
  assert.equal(code.offsetsMs.length, 8819);
  assert.equal(conv.offsetsMs.length, 19366);
  assert.ok(code.spanMs > 55 * 60_000 && code.spanMs < 60 * 60_000);
  for (let i = 1; i < code.offsetsMs.length; i++) assert.ok(code.offsetsMs[i]! >= code.offsetsMs[i - 1]!);
});

test('a replayed trace is scaled to the rate asked for and loops', () => {
  const rate = 5000;
  const replay = arrivalProcess({ kind: 'trace', ratePerS: rate, tracePaths: [CODE] }, 1, 20_000);
  let last = 0;
  const tokens: number[] = [];
  const times: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const t = replay.nextMs();
    assert.ok(t >= last);
    last = t;
    times.push(t);
    tokens.push(replay.tokens);
  }
  assert.equal(times[0], 0);
  // Two whole loops of 8,819 arrivals, from wherever the seed started, take 2 x 8,819 / 5,000 s.
  const loops = (times[2 * 8819]! - times[0]) / 1000;
  assert.ok(Math.abs((2 * 8819) / loops / rate - 1) < 0.001, `rate ${(2 * 8819) / loops}`);
  assert.equal(tokens[0], tokens[8819]);
  // The seed picks where in the trace a run starts, so seeds see different bursts.
  const starts = [1, 2, 3, 4].map((seed) => {
    const other = arrivalProcess({ kind: 'trace', ratePerS: rate, tracePaths: [CODE] }, seed, 10);
    other.nextMs();
    return other.tokens;
  });
  assert.equal(starts[0], tokens[0]);
  assert.ok(new Set(starts).size > 1, String(starts));
});

// A fresh clone must run the simulator commands the docs show: their trace files ship in the repository.
test('every trace the README and sim/README.md simulate exists in the repository, with its licence', () => {
  for (const doc of ['README.md', 'sim/README.md']) {
    const text = readFileSync(join(REPO, doc), 'utf8').replace(/\\\n/g, ' ');
    const commands = text.match(/switchyard sim [^\n]*/g) ?? [];
    const paths = commands.flatMap((c) => [...c.matchAll(/trace:(\S+)/g)].flatMap((m) => m[1]!.split(',')));
    assert.ok(paths.length > 0, `${doc} shows a trace replay`);
    for (const path of paths) {
      assert.ok(!path.startsWith('..') && !path.startsWith('/'), `${doc}: ${path} is outside the repository`);
      assert.ok(existsSync(join(REPO, path)), `${doc}: ${path} does not exist`);
    }
    assert.ok(commands.some((c) => / --svg \S+/.test(c)), `${doc} shows --svg`);
  }
  assert.match(readFileSync(join(TRACES, 'LICENSE.md'), 'utf8'), /CC BY 4\.0/);
});
