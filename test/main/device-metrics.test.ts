import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { loadCatalog } from '../../src/hardware/catalog.js';
import { discoverDevices } from '../../src/hardware/discover.js';
import { readingsOf } from '../../src/main/device-metrics-refresh.js';
import { DeviceMetrics } from '../../src/telemetry/device-metrics.js';
import { readFileSync } from 'node:fs';
import { h200, h200Host, ok } from '../hardware/fixture-host.js';

// Discovery on the captured H200 machine, through the device gauges.
test('an H200 reading becomes utilisation, memory, power and pressure gauges', async () => {
  const discovery = await discoverDevices({ catalog: loadCatalog(), host: h200Host() });
  const registry = new Registry();
  const metrics = new DeviceMetrics(registry);
  metrics.update(readingsOf(discovery, 'gpu-node-1'), { node: 'gpu-node-1', memoryStallRatio: 0.02 });
  const text = await registry.metrics();
  const gpu = 'node="gpu-node-1",device="nvidia:0",hardware_class="h200",simulated="false"';
  assert.match(text, new RegExp(`switchyard_device_memory_total_bytes\\{${gpu}\\} ${143771 * 2 ** 20}\\n`));
  assert.match(text, new RegExp(`switchyard_device_memory_used_bytes\\{${gpu}\\} 0\\n`));
  assert.match(text, new RegExp(`switchyard_device_memory_pressure_ratio\\{${gpu}\\} 0\\n`));
  assert.match(text, new RegExp(`switchyard_device_utilization_ratio\\{${gpu}\\} 0\\n`));
  assert.match(text, new RegExp(`switchyard_device_power_watts\\{${gpu}\\} 79.63\\n`));
  assert.match(text, /switchyard_device_memory_total_bytes\{node="gpu-node-1",device="cpu:0",hardware_class="[^"]+",simulated="false"\} [1-9]/);
  assert.doesNotMatch(text, /switchyard_device_power_watts\{[^}]*device="cpu:0"/, 'no power series where the tool reports none');
  assert.match(text, /switchyard_host_memory_stall_ratio\{node="gpu-node-1"\} 0.02/);

  // A refresh replaces the series: a device that vanished disappears.
  metrics.update([]);
  assert.doesNotMatch(await registry.metrics(), /device="nvidia:0"/);
});

// Captured on an H200 during a matmul loop with 20 GiB allocated (the idle capture reads all zeros).
test('a loaded H200 reads busy, with memory in use, pressure and power near its limit', async () => {
  const loaded = readFileSync(new URL('./fixtures/h200-nvidia-smi-query-loaded.csv', import.meta.url), 'utf8');
  const host = h200Host({ commands: { 'nvidia-smi': (args) => ok(args.includes('-x') ? h200('nvidia-smi-q.xml') : loaded) } });
  const discovery = await discoverDevices({ catalog: loadCatalog(), host });
  const registry = new Registry();
  new DeviceMetrics(registry).update(readingsOf(discovery, 'gpu-node-1'));
  const text = await registry.metrics();
  const gpu = 'node="gpu-node-1",device="nvidia:0",hardware_class="h200",simulated="false"';
  const value = (name: string): number => Number(new RegExp(`${name}\\{${gpu}\\} ([0-9.e+-]+)`).exec(text)?.[1]);
  assert.equal(value('switchyard_device_utilization_ratio'), 1);
  assert.equal(value('switchyard_device_memory_used_bytes'), 22131 * 2 ** 20);
  assert.ok(Math.abs(value('switchyard_device_memory_pressure_ratio') - 22131 / 143771) < 1e-12);
  assert.equal(value('switchyard_device_power_watts'), 683.43);
});
