import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONFIG_DEFAULTS, CONFIG_KEYS, ConfigError, compileConfig, flattenConfigFile } from '../../src/core/config.js';
import { ENVIRONMENT_KEYS, loadConfig } from '../../src/main/config-sources.js';

const fromFile = (content: unknown) => compileConfig(flattenConfigFile(content, 'file s.yaml'), '/srv');

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return [...error.problems];
  }
  assert.fail('expected the configuration to be refused');
}

test('every declared key has a one-line description, and each default is of its own type', () => {
  for (const [key, decl] of CONFIG_KEYS) {
    assert.ok(decl.doc.length > 0 && !decl.doc.includes('\n'), `${key}: doc`);
    if (decl.scalar === 'boolean') assert.equal(typeof decl.default, 'boolean', `${key}: a boolean default`);
    if (decl.scalar === 'number' && decl.default !== undefined) assert.equal(typeof decl.default, 'number', `${key}: a number default`);
  }
  assert.equal(CONFIG_DEFAULTS['tracing.enabled'], false, 'no string default for a boolean');
});

test('durations are in milliseconds; the older seconds keys are aliases, converted', () => {
  const defaults = compileConfig(new Map(), '/srv');
  assert.equal(defaults.circuit.openMs, 10_000);
  assert.equal(defaults.drift.windowMs, 3_600_000);
  assert.equal(fromFile({ circuit: { open_ms: 2500 }, drift: { window_ms: 60_000 } }).circuit.openMs, 2500);
  const aliased = fromFile({ circuit: { open_seconds: 2 }, drift: { window_seconds: 60 } });
  assert.equal(aliased.circuit.openMs, 2000);
  assert.equal(aliased.drift.windowMs, 60_000);
  assert.deepEqual(problems(() => fromFile({ circuit: { open_seconds: 2, open_ms: 100 } })), [
    'circuit.open_seconds (from file s.yaml): circuit.open_ms (from file s.yaml) is also set; give one of them',
  ]);
  assert.match(problems(() => fromFile({ circuit: { open_seconds: 0 } }))[0] ?? '', /^circuit\.open_seconds \(from file s\.yaml\): must be >= 0\.01, got 0/);
});

test('residency is a section: an unknown key there lists the residency keys', () => {
  const [problem] = problems(() => fromFile({ residency: { tenant: { bank: 'any' } } }));
  assert.equal(problem, 'residency.tenant (from file s.yaml): unknown key; allowed keys here: policies, tenants, models, default_policy');
});

test('the environment variables are derived from the declarations', () => {
  assert.equal(ENVIRONMENT_KEYS.SWITCHYARD_ONNX_WORKER_NICE, 'onnx.worker_nice');
  assert.equal(ENVIRONMENT_KEYS.SWITCHYARD_POSTGRES_URL, 'storage.postgres_url');
  assert.equal(ENVIRONMENT_KEYS.SWITCHYARD_CLUSTER_TOKEN_FILE, 'cluster.token_file');
  assert.equal(ENVIRONMENT_KEYS.SWITCHYARD_CLUSTER_LOCAL_REPLICAS, undefined, 'only keys declared with env have one');
  const config = loadConfig({ flags: {}, env: { SWITCHYARD_COST_NODE_COST_PER_HOUR: '3', SWITCHYARD_ONNX_INLINE_BELOW_MS: '0.5' }, configFile: undefined, cwd: '/srv' });
  assert.equal(config.onnx.inlineBelowMs, 0.5);
  assert.equal(config.cost.nodeCostPerHour, undefined);
  assert.equal(compileConfig(new Map([['cost.node_cost_per_hour', { value: '2.5', source: 'flag --cost' }]]), '/srv').cost.nodeCostPerHour, 2.5, 'a number key without a default converts its string too');
});
