import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cdfPoints, niceTicks, renderChart } from '../../src/sim/svg.js';
import { REPO } from './helpers.js';

function sim(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src/main/switchyard.ts'), 'sim', ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('switchyard sim prints JSON for the policies asked for and writes an SVG chart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
  const svg = join(dir, 'chart.svg');
  const r = sim(['--cluster', 'sim/examples/hetero.yaml', '--workload', 'mmpp', '--rate', '3000', '--requests', '1500', '--policy', 'ours,least-outstanding', '--seed', '4', '--json', '--svg', svg]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { results: { policy: string; submitted: number; sweep: unknown[]; unsettled: number }[]; seed: number };
  assert.deepEqual(out.results.map((x) => x.policy), ['ours', 'least-outstanding']);
  for (const x of out.results) {
    assert.equal(x.submitted, 1500);
    assert.equal(x.unsettled, 0);
    assert.equal(x.sweep.length, 9);
  }
  assert.equal(out.seed, 4);
  const chart = readFileSync(svg, 'utf8');
  assert.match(chart, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal(chart.match(/<path /g)?.length, 4);
  assert.equal(r.stderr, '', 'no progress bar when stderr is not a terminal');
});

test('switchyard sim prints a table by default and names a bad key in the spec', () => {
  const ok = sim(['--cluster', 'sim/examples/hetero.yaml', '--requests', '1000', '--rate', '500', '--policy', 'round-robin']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /policy\s+attained\s+realtime\s+throughput/);
  assert.match(ok.stdout, /round-robin\s+\d/);
  const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, readFileSync(join(REPO, 'sim/examples/hetero.yaml'), 'utf8').replace('../profiles/mlp-8m.yaml', join(REPO, 'sim/profiles/mlp-8m.yaml')).replace('memory_gib: 141', 'memory_gib: lots'));
  const r = sim(['--cluster', bad, '--requests', '100']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad\.yaml: nodes\[0\]\.memory_gib: must be a number > 0, got "lots"/);
  const policy = sim(['--cluster', 'sim/examples/hetero.yaml', '--policy', 'fastest']);
  assert.equal(policy.status, 2);
  assert.match(policy.stderr, /--policy must be all or one of deadline-cost, round-robin, random, least-outstanding, power-of-two \(comma-separated; ours = deadline-cost\)/);
});

test('chart helpers: round ticks, CDF points, one path per series', () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(1000, 9000, 4), [2000, 4000, 6000, 8000]);
  const cdf = cdfPoints(Float64Array.from([1, 2, 3, 4]), 8, 4);
  assert.deepEqual(cdf, [[1, 1 / 8], [2, 2 / 8], [3, 3 / 8], [4, 4 / 8]]);
  const svg = renderChart({
    title: 'a <b> & c',
    target: 0.99,
    attainment: [{ name: 'ours', points: [[100, 1], [200, 0.9]] }, { name: 'random', points: [[100, 0.95], [200, 0.5]] }],
    cdf: [{ name: 'ours', points: cdf }],
    cdfTitle: 'cdf',
  });
  assert.match(svg, /a &lt;b&gt; &amp; c/);
  assert.equal(svg.match(/<path /g)?.length, 3);
  assert.match(svg, /99% target/);
});

// Long titles and policy names used to run past their panel or off the chart and be cut.
test('chart labels fit: long titles are squeezed to their panel, the legend stays on the chart', () => {
  const names = ['ours', 'round-robin', 'random', 'least-outstanding', 'power-of-two', 'weighted-least-outstanding-with-a-long-name', 'another-long-policy-name'];
  const svg = renderChart({
    title: 'a-cluster-with-a-very-long-name: trace:azure-llm-2023-code.csv+azure-llm-2023-conv.csv, mlp-8m, seed 123456',
    target: 0.999,
    attainment: names.map((name) => ({ name, points: [[1000, 1], [2_000_000, 0.5]] })),
    cdf: names.map((name) => ({ name, points: [[0.05, 0.1], [250, 1]] })),
    cdfTitle: 'latency CDF at 1000000 req/s (10000000 requests), 3 seeds',
    attainmentTitle: 'SLO attainment vs load (3 seeds, 95% CI)',
  });
  const width = (attrs: string, text: string): number => {
    const squeezed = /textLength="([\d.]+)"/.exec(attrs);
    if (squeezed) return Number(squeezed[1]);
    const size = Number(/font-size="(\d+)"/.exec(attrs)?.[1] ?? 12);
    return text.length * size * (attrs.includes('bold') ? 0.68 : 0.62);
  };
  const texts = [...svg.matchAll(/<text ([^>]*)>([^<]*)<\/text>/g)];
  for (const [, attrs, text] of texts) {
    const w = width(attrs!, text!);
    if (attrs!.includes('font-size="14"')) assert.ok(w <= 400 + 1e-9, `panel title '${text}' is ${w} wide`);
    if (attrs!.includes('font-size="16"')) assert.ok(w <= 960 + 1e-9, `title '${text}' is ${w} wide`);
  }
  for (const [, x, attrs, text] of svg.matchAll(/<g transform="translate\(([\d.]+),\d+\)"><rect [^>]*\/><text ([^>]*)>([^<]*)<\/text><\/g>/g)) {
    assert.ok(Number(x) + 20 + width(attrs!, text!) <= 1000, `legend entry '${text}' ends past the chart`);
  }
  assert.equal([...svg.matchAll(/<g transform="translate\(([\d.]+),\d+\)"><rect/g)].length, names.length);
});
