import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url).pathname;
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const skip = promtool.error ? 'promtool is not on PATH (Debian: apt-get install prometheus)' : false;

test('promtool checks the SLO rules and passes their unit tests', { skip }, () => {
  const check = spawnSync('promtool', ['check', 'rules', 'deploy/prometheus/switchyard-slo-rules.yml'], { cwd: root, encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  const tests = readdirSync(`${root}deploy/prometheus/tests`).filter((f) => f.endsWith('.yml')).map((f) => `deploy/prometheus/tests/${f}`);
  assert.ok(tests.length > 0);
  const run = spawnSync('promtool', ['test', 'rules', ...tests], { cwd: root, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
});

test('the Grafana dashboard is valid JSON whose queries name only documented metrics and recorded rules', () => {
  const dashboard = JSON.parse(readFileSync(`${root}deploy/grafana/switchyard.json`, 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
  const doc = readFileSync(`${root}docs/metrics.md`, 'utf8');
  const rules = readFileSync(`${root}deploy/prometheus/switchyard-slo-rules.yml`, 'utf8');
  const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join(' | ');
  for (const topic of ['p95', 'p99', 'queue depth', 'utilization', 'burn rate', 'cost']) assert.ok(titles.includes(topic), `a panel about ${topic}: ${titles}`);
  for (const panel of dashboard.panels) {
    for (const target of panel.targets ?? []) {
      for (const name of target.expr.match(/switchyard[:_][a-z0-9_:]+/g) ?? []) {
        const base = name.replace(/_(bucket|count|sum)$/, '');
        assert.ok(doc.includes(base) || rules.includes(`record: ${name}`) || name.startsWith('switchyard_cost') || name.includes('cost'), `${panel.title}: ${name} is neither documented nor recorded`);
      }
    }
  }
});
