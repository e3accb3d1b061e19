import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { loadCatalog } from '../../src/hardware/catalog.js';
import { discoverDevices } from '../../src/hardware/discover.js';
import { readingsOf } from '../../src/main/device-metrics-refresh.js';
import { DeviceMetrics } from '../../src/telemetry/device-metrics.js';
import { h200Host } from '../hardware/fixture-host.js';

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
