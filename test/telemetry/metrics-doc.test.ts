import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig } from '../../src/core/config.js';
import { createServer } from '../../src/main/server.js';
import { silentLogger } from '../../src/telemetry/logger.js';

// Every metric a full server registers (process and device metrics included) is in docs/metrics.md.
test('docs/metrics.md names every registered metric', async () => {
  const config = compileConfig(
    new Map([
      ['model_repository', { value: mkdtempSync(join(tmpdir(), 'switchyard-empty-')), source: 'test' }],
      ['data_dir', { value: mkdtempSync(join(tmpdir(), 'switchyard-data-')), source: 'test' }],
    ]),
    process.cwd(),
  );
  const server = await createServer({ config, log: silentLogger(), processMetrics: true, deviceMetrics: true });
  try {
    const doc = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
    const documented = new Set(doc.match(/switchyard_[a-z0-9_]+/g) ?? []);
    const text = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(text, /switchyard_device_memory_total_bytes\{node="[^"]+",device="cpu:0",hardware_class="[^"]+",simulated="false"\} [1-9]/);
    const registered = text
      .split('\n')
      .filter((line) => line.startsWith('# TYPE '))
      .map((line) => line.split(' ')[2] ?? '');
    assert.ok(registered.includes('switchyard_device_memory_total_bytes'), 'device metrics are registered');
    assert.ok(registered.includes('switchyard_fallbacks_total'));
    const missing = registered.filter((name) => !documented.has(name));
    assert.deepEqual(missing, [], `add these to docs/metrics.md: ${missing.join(', ')}`);
  } finally {
    await server.close();
  }
});
