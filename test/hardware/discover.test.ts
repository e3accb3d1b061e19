/**
 * Discovery end to end through an injected host: the real H200 machine's outputs, missing
 * tools, failing tools, garbage, and the system host's handling of real processes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCatalog } from '../../src/hardware/catalog.js';
import { discoverDevices } from '../../src/hardware/discover.js';
import { onPath, readTextFile, remembering, runCommand, type Host } from '../../src/hardware/host.js';
import { HL_SMI_ARGS } from '../../src/hardware/hl-smi.js';
import { NVIDIA_SMI_ARGS } from '../../src/hardware/nvidia-smi.js';
import { ROCM_SMI_ARGS } from '../../src/hardware/rocm-smi.js';
import { discoveryJson, discoveryText } from '../../src/hardware/report.js';
import { failed, file, fixtureHost, h200, h200Host, missing, ok, own } from './fixture-host.js';

const catalog = loadCatalog();
const MiB = 2 ** 20;

test('the H200 machine: one CPU and one H200, real, on premises; no AMD or Gaudi tools', async () => {
  const host = h200Host();
  const found = await discoverDevices({ catalog, host });
  assert.deepEqual(found.warnings, []);
  assert.deepEqual(found.tools, { lscpu: 'found', 'nvidia-smi': 'found', 'rocm-smi': 'missing', 'hl-smi': 'missing' });
  assert.deepEqual(found.devices, [
    {
      id: 'cpu:0',
      kind: 'cpu',
      vendor: 'intel',
      name: 'Intel(R) Xeon(R) Processor',
      memoryBytes: 131981020 * 1024,
      memoryUsedBytes: (131981020 - 131473412) * 1024,
      source: 'lscpu',
      class: 'cpu-x86',
      tier: 'onprem',
      real: true,
    },
    {
      id: 'nvidia:0',
      kind: 'gpu',
      vendor: 'nvidia',
      name: 'NVIDIA H200',
      memoryBytes: 143771 * MiB,
      memoryUsedBytes: 0,
      utilisation: 0,
      powerWatts: 79.63,
      powerLimitWatts: 700,
      temperatureC: 35,
      computeCapability: '9.0',
      uuid: 'GPU-55fefb08-c1f9-58f5-27c7-2fb52da10357',
      pciBusId: '00000000:00:06.0',
      driverVersion: '580.159.04',
      migEnabled: false,
      source: 'nvidia-smi',
      class: 'h200',
      tier: 'onprem',
      real: true,
    },
  ]);
  assert.equal(found.cpu.cores, 16);
  assert.ok(found.cpu.instructionSets.includes('amx_bf16'));
  assert.deepEqual(found.memory, { totalBytes: 131981020 * 1024, availableBytes: 131473412 * 1024 });
  assert.deepEqual(found.pressure?.io?.some, { avg10: 2.87, avg60: 1.39, avg300: 0.33, totalMicros: 1098544 });
  // Every vendor tool is asked, each once, with the documented arguments.
  for (const call of [`nvidia-smi ${NVIDIA_SMI_ARGS.join(' ')}`, `rocm-smi ${ROCM_SMI_ARGS.join(' ')}`, `hl-smi ${HL_SMI_ARGS.join(' ')}`, 'lscpu -J']) {
    assert.equal(host.calls.filter((c) => c === call).length, 1, call);
  }
});

test('the tier is configurable', async () => {
  const found = await discoverDevices({ catalog, host: h200Host(), tier: 'cloud' });
  assert.deepEqual(found.devices.map((d) => d.tier), ['cloud', 'cloud']);
});

test('no tools and no /proc: one CPU from what Node knows, no GPUs, no warnings', async () => {
  const found = await discoverDevices({ catalog, host: fixtureHost({ os: { platform: 'darwin', arch: 'arm64', cpuModel: 'Apple M2' } }) });
  assert.deepEqual(found.warnings, []);
  assert.deepEqual(found.tools, { lscpu: 'missing', 'nvidia-smi': 'missing', 'rocm-smi': 'missing', 'hl-smi': 'missing' });
  assert.equal(found.pressure, null);
  assert.equal(found.devices.length, 1);
  assert.deepEqual(found.devices[0], {
    id: 'cpu:0',
    kind: 'cpu',
    vendor: 'unknown',
    name: 'Apple M2',
    memoryBytes: 8 * 2 ** 30,
    memoryUsedBytes: 2 * 2 ** 30,
    source: 'os',
    class: 'cpu-arm',
    tier: 'onprem',
    real: true,
  });
});

test('lscpu missing: CPU flags come from /proc/cpuinfo', async () => {
  const found = await discoverDevices({ catalog, host: h200Host({ commands: { lscpu: missing }, files: { '/proc/cpuinfo': file(h200('cpuinfo-head.txt')) } }) });
  assert.equal(found.tools.lscpu, 'missing');
  assert.equal(found.devices[0]!.source, 'proc');
  assert.equal(found.devices[0]!.class, 'cpu-x86');
  assert.ok(found.cpu.instructionSets.includes('amx_tile'));
});

test('AMD and Gaudi machines (hand-written outputs in the documented formats)', async () => {
  const host = fixtureHost({
    commands: { 'rocm-smi': ok(own('hand-written/rocm-smi-mi300x.json')), 'hl-smi': ok(own('hand-written/hl-smi-gaudi2.csv')), lscpu: ok(own('hand-written/lscpu-arm.txt')) },
  });
  const found = await discoverDevices({ catalog, host });
  assert.deepEqual(found.warnings, []);
  assert.deepEqual(
    found.devices.map((d) => [d.id, d.class, d.kind, d.vendor]),
    [
      ['cpu:0', 'cpu-arm', 'cpu', 'arm'],
      ['amd:0', 'mi300x', 'gpu', 'amd'],
      ['amd:1', 'mi300x', 'gpu', 'amd'],
      ['gaudi:0', 'gaudi2', 'accelerator', 'intel'],
      ['gaudi:1', 'gaudi2', 'accelerator', 'intel'],
    ],
  );
  assert.equal(found.devices[2]!.utilisation, 0.87);
  assert.equal(found.devices[4]!.memoryUsedBytes, 61440 * MiB);
  assert.equal(found.devices[1]!.uuid, '0x18f68e602b8a790f');
});

test('a tool that fails or prints garbage is a warning, never a crash', async () => {
  const host = h200Host({
    commands: {
      'nvidia-smi': failed('exit 18: Failed to initialize NVML: Driver/library version mismatch'),
      'rocm-smi': ok('ERROR: rocm-smi could not open the AMD GPU driver'),
      'hl-smi': ok('\u0000\u0001binary soup'),
      lscpu: ok('{"lscpu": "what"}'),
    },
    files: { '/proc/pressure/memory': file('garbage'), '/proc/pressure/io': failed('EOPNOTSUPP: operation not supported') },
  });
  const found = await discoverDevices({ catalog, host });
  assert.deepEqual(found.tools, { lscpu: 'failed', 'nvidia-smi': 'failed', 'rocm-smi': 'failed', 'hl-smi': 'failed' });
  assert.deepEqual(found.devices.map((d) => d.id), ['cpu:0']);
  assert.equal(found.devices[0]!.source, 'os');
  assert.deepEqual(
    found.warnings.map((w) => w.source),
    ['lscpu', 'proc', 'proc', 'nvidia-smi', 'rocm-smi', 'hl-smi'],
  );
  assert.match(found.warnings[0]!.message, /"lscpu" is not a list/);
  assert.match(found.warnings[1]!.message, /^\/proc\/pressure\/memory: not a pressure line/);
  assert.equal(found.warnings[2]!.message, '/proc/pressure/io: EOPNOTSUPP: operation not supported');
  assert.equal(found.warnings[3]!.message, 'failed: exit 18: Failed to initialize NVML: Driver/library version mismatch');
  assert.match(found.warnings[4]!.message, /^not JSON/);
  assert.match(found.warnings[5]!.message, /^line 1: expected 10 fields/);
  assert.deepEqual(Object.keys(found.pressure ?? {}), ['cpu']);
});

test('nvidia-smi without GPUs ("No devices were found", exit 6) is no devices and no warning', async () => {
  const found = await discoverDevices({ catalog, host: h200Host({ commands: { 'nvidia-smi': failed('exit 6: No devices were found') } }) });
  assert.deepEqual(found.warnings, []);
  assert.equal(found.tools['nvidia-smi'], 'found');
  assert.deepEqual(found.devices.map((d) => d.id), ['cpu:0']);
});

test('an old driver that refuses the query (no compute_cap) falls back to nvidia-smi -q -x', async () => {
  const host = h200Host({
    commands: { 'nvidia-smi': (args) => (args.includes('-x') ? ok(h200('nvidia-smi-q.xml')) : failed('exit 2: Field "compute_cap" is not a valid field to query.')) },
  });
  const found = await discoverDevices({ catalog, host });
  const gpu = found.devices[1]!;
  assert.equal(gpu.class, 'h200');
  assert.equal(gpu.memoryBytes, 143771 * MiB);
  assert.equal(gpu.computeCapability, undefined);
  assert.equal(gpu.driverVersion, '580.159.04');
  assert.match(found.warnings[0]!.message, /compute_cap.*read nvidia-smi -q -x instead/);
});

test('a Jetson names itself in the device tree; its GPU shares the host memory and sits at the edge', async () => {
  const host = fixtureHost({ files: { '/proc/device-tree/model': file('NVIDIA Jetson AGX Orin Developer Kit\u0000'), '/proc/meminfo': file('MemTotal: 65536000 kB\nMemAvailable: 60000000 kB\n') }, os: { arch: 'arm64' } });
  const found = await discoverDevices({ catalog, host });
  const jetson = found.devices.find((d) => d.id === 'jetson:0');
  assert.deepEqual(jetson, {
    id: 'jetson:0',
    kind: 'soc',
    vendor: 'nvidia',
    name: 'NVIDIA Jetson AGX Orin Developer Kit',
    memoryBytes: 65536000 * 1024,
    memoryUsedBytes: 5536000 * 1024,
    source: 'device-tree',
    class: 'jetson-orin',
    tier: 'edge',
    real: true,
  });
  assert.equal(found.devices[0]!.tier, 'onprem');
});

test('the report: JSON in snake_case with class, tier and real; the table with the pressure summary', async () => {
  const found = await discoverDevices({ catalog, host: h200Host() });
  const json = discoveryJson(found, catalog) as { devices: Record<string, unknown>[]; pressure: Record<string, unknown>; cpu: Record<string, unknown> };
  assert.deepEqual(Object.keys(json), ['hostname', 'platform', 'cpu', 'memory', 'pressure', 'devices', 'tools', 'warnings', 'catalog']);
  assert.deepEqual(json.devices[1], {
    id: 'nvidia:0',
    kind: 'gpu',
    vendor: 'nvidia',
    name: 'NVIDIA H200',
    class: 'h200',
    class_label: 'NVIDIA H200',
    memory_bytes: 143771 * MiB,
    memory_used_bytes: 0,
    utilisation: 0,
    power_watts: 79.63,
    power_limit_watts: 700,
    temperature_c: 35,
    compute_capability: '9.0',
    uuid: 'GPU-55fefb08-c1f9-58f5-27c7-2fb52da10357',
    pci_bus_id: '00000000:00:06.0',
    driver_version: '580.159.04',
    mig_enabled: false,
    tier: 'onprem',
    real: true,
    simulated: false,
    source: 'nvidia-smi',
  });
  assert.deepEqual(json.pressure.cpu, { some: { avg10: 0.68, avg60: 1.44, avg300: 0.44, total_us: 1495641 }, full: { avg10: 0, avg60: 0, avg300: 0, total_us: 0 } });
  const text = discoveryText(found);
  assert.match(text, /^DEVICE\s+CLASS\s+NAME\s+MEMORY\s+USED\s+UTIL\s+POWER\s+TEMP\s+TIER\s+REAL\/SIMULATED$/m);
  assert.match(text, /^nvidia:0\s+h200\s+NVIDIA H200\s+140\.4 GiB\s+0 B\s+0%\s+80 W\s+35 C\s+onprem\s+real$/m);
  assert.match(text, /^pressure \(% of time some tasks stalled, avg10\/avg60\/avg300\): cpu 0\.68\/1\.44\/0\.44, memory 0\.00\/0\.00\/0\.00, io 2\.87\/1\.39\/0\.33$/m);
  assert.match(text, /^tools: lscpu found, nvidia-smi found, rocm-smi missing, hl-smi missing$/m);
  const simulated = discoveryText({ ...found, devices: [{ ...found.devices[1]!, real: false }] });
  assert.match(simulated, /simulated$/m);
});

test('the system host: a missing tool is missing, a failing one failed, a slow one times out', async () => {
  assert.deepEqual(await runCommand('switchyard-no-such-tool', []), { status: 'missing' });
  assert.deepEqual(await runCommand(process.execPath, ['-e', 'process.stdout.write(process.env.LC_ALL ?? "")']), { status: 'ok', stdout: 'C' });
  assert.deepEqual(await runCommand(process.execPath, ['-e', 'console.error("no driver"); process.exit(9)']), { status: 'failed', reason: 'exit 9: no driver' });
  assert.deepEqual(await runCommand(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { timeoutMs: 200 }), { status: 'failed', reason: 'no answer within 200 ms' });
  assert.deepEqual(await readTextFile('/nonexistent/switchyard'), { status: 'missing' });
  assert.equal((await readTextFile(new URL(import.meta.url).pathname)).status, 'ok');
});

test('a tool is looked up on PATH before anything is started: a missing one costs no process', async () => {
  assert.equal(await onPath('node'), true);
  assert.equal(await onPath(process.execPath), true);
  assert.equal(await onPath('switchyard-no-such-tool'), false);
  assert.equal(await onPath('/nonexistent/nvidia-smi'), false);
  const saved = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    assert.deepEqual(await runCommand('node', ['-v']), { status: 'missing' }, 'not on PATH: missing, not started');
  } finally {
    process.env.PATH = saved;
  }
});

test('a remembering host runs a static tool once and passes every other call through', async () => {
  const calls: string[] = [];
  const base: Host = {
    run: async (command) => {
      calls.push(command);
      return { status: 'ok', stdout: `${command} #${calls.length}` };
    },
    readFile: async () => ({ status: 'missing' }),
    os: () => ({ platform: 'linux', arch: 'x64', hostname: 'h', cpuModel: 'c', logicalCpus: 1, totalMemoryBytes: 1, freeMemoryBytes: 1 }),
  };
  const host = remembering(base, ['lscpu']);
  assert.deepEqual(await host.run('lscpu', ['-J']), { status: 'ok', stdout: 'lscpu #1' });
  assert.deepEqual(await host.run('lscpu', ['-J']), { status: 'ok', stdout: 'lscpu #1' });
  await host.run('nvidia-smi', []);
  await host.run('nvidia-smi', []);
  assert.deepEqual(calls, ['lscpu', 'nvidia-smi', 'nvidia-smi']);
});
