import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/core/config.js';
import { loadConfig } from '../../src/main/config-sources.js';

const cwd = '/srv/switchyard';

function load(flags: Record<string, string | undefined> = {}, env: NodeJS.ProcessEnv = {}, configFile?: string) {
  return loadConfig({ flags, env, configFile, cwd });
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return [...error.problems];
  }
  assert.fail('expected the configuration to be refused');
}

test('defaults bind loopback on 8080 with paths under the working folder', () => {
  const config = load();
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 8080);
  assert.equal(config.modelRepository, '/srv/switchyard/models');
  assert.equal(config.dataDir, '/srv/switchyard/.switchyard');
  assert.equal(config.onnx.executionProvider, 'cpu');
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.onnx));
});

test('flags beat environment, which beats the config file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  const file = join(dir, 'switchyard.yaml');
  writeFileSync(file, 'port: 9000\nhost: 0.0.0.0\nonnx:\n  intra_op_threads: 2\n');
  const fromFile = load({}, {}, file);
  assert.equal(fromFile.port, 9000);
  assert.equal(fromFile.onnx.intraOpThreads, 2);
  assert.equal(load({}, { SWITCHYARD_PORT: '9100' }, file).port, 9100);
  assert.equal(load({ port: '9200' }, { SWITCHYARD_PORT: '9100' }, file).port, 9200);
  assert.equal(load({}, { SWITCHYARD_CONFIG: file }).host, '0.0.0.0');
});

test('relative paths in a config file are relative to the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  const file = join(dir, 'switchyard.yaml');
  writeFileSync(file, 'model_repository: repo\ndata_dir: ./state\n');
  const config = load({}, {}, file);
  assert.equal(config.modelRepository, join(dir, 'repo'));
  assert.equal(config.dataDir, join(dir, 'state'));
  assert.equal(load({ model_repository: 'repo' }, {}, file).modelRepository, '/srv/switchyard/repo', 'flags stay relative to the working folder');
});

test('a bad value names its key, where it came from and what is allowed', () => {
  const [portProblem] = problems(() => load({}, { SWITCHYARD_PORT: 'eighty' }));
  assert.match(portProblem ?? '', /^port \(from environment SWITCHYARD_PORT\): must be integer, got "eighty"/);
  const [rangeProblem] = problems(() => load({ port: '70000' }));
  assert.match(rangeProblem ?? '', /^port \(from flag --port\): must be <= 65535/);
  const [levelProblem] = problems(() => load({ log_level: 'loud' }));
  assert.match(levelProblem ?? '', /log_level \(from flag --log-level\): must be one of fatal \| error \| warn \| info/);
  const [providerProblem] = problems(() => load({}, { SWITCHYARD_ONNX_EXECUTION_PROVIDER: 'tpu' }));
  assert.match(providerProblem ?? '', /onnx\.execution_provider .*must be one of cpu \| cuda, got "tpu"/);
});

test('every problem is reported at once, unknown keys included', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'prot: 8080\nport: -1\nonnx:\n  threads: 4\n');
  const found = problems(() => load({}, {}, file));
  assert.equal(found.length, 3, found.join('\n'));
  assert.ok(found.some((p) => p.startsWith(`prot (from file ${file}): unknown key; allowed keys here: host, port`)));
  assert.ok(found.some((p) => p.startsWith('onnx.threads') && p.includes('allowed keys here: execution_provider, intra_op_threads, instances')));
  assert.ok(found.some((p) => p.startsWith('port') && p.includes('>= 0')));
});

test('an unreadable or malformed config file is a clear error', () => {
  assert.match(problems(() => load({}, {}, '/nonexistent/switchyard.yaml'))[0] ?? '', /cannot be read \(ENOENT\)/);
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  const file = join(dir, 'broken.yaml');
  writeFileSync(file, 'port: [\n');
  assert.match(problems(() => load({}, {}, file))[0] ?? '', /not valid YAML/);
  writeFileSync(file, '- just\n- a list\n');
  assert.match(problems(() => load({}, {}, file))[0] ?? '', /must be a mapping/);
});

test('slo and tracing sections: defaults, file values, environment booleans, unknown keys named', async () => {
  const { compileConfig, flattenConfigFile, ConfigError } = await import('../../src/core/config.js');
  const defaults = compileConfig(new Map(), '/srv');
  assert.equal(defaults.tracing.enabled, false, 'tracing is off by default');
  assert.equal(defaults.tracing.samplingRatio, 1);
  assert.equal(defaults.slo.evaluateIntervalMs, 10000);
  assert.equal(defaults.slo.webhookUrl, undefined);
  assert.equal(defaults.deviceMetricsIntervalMs, 15000);
  const file = flattenConfigFile({ tracing: { enabled: true, endpoint: 'http://collector:4318/v1/traces', headers: { authorization: 'Bearer x' }, sampling_ratio: 0.25 }, slo: { webhook_url: 'http://127.0.0.1:9/hook' } }, 'switchyard.yaml');
  const fromFile = compileConfig(file, '/srv');
  assert.deepEqual({ ...fromFile.tracing }, { enabled: true, endpoint: 'http://collector:4318/v1/traces', headers: { authorization: 'Bearer x' }, samplingRatio: 0.25, serviceName: 'switchyard' });
  assert.equal(fromFile.slo.webhookUrl, 'http://127.0.0.1:9/hook');
  const fromEnv = compileConfig(new Map([['tracing.enabled', { value: 'true', source: 'environment SWITCHYARD_TRACING_ENABLED' }]]), '/srv');
  assert.equal(fromEnv.tracing.enabled, true);
  assert.throws(
    () => compileConfig(flattenConfigFile({ tracing: { sampling: 2 } }, 'f.yaml'), '/srv'),
    (error: unknown) => error instanceof ConfigError && error.problems.some((p) => p.startsWith('tracing.sampling') && p.includes('allowed keys here: enabled, endpoint, headers, sampling_ratio, service_name')),
  );
  assert.throws(() => compileConfig(new Map([['tracing.sampling_ratio', { value: 1.5, source: 'test' }]]), '/srv'), ConfigError);
});
