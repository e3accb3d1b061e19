/** `switchyard hardware` as its own process, on this machine. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const ENTRY = new URL('../../src/main/switchyard.ts', import.meta.url).pathname;

async function switchyard(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', ENTRY, 'hardware', ...args]);
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

interface HardwareJson {
  devices: { id: string; kind: string; class: string | null; memory_bytes: number; tier: string; real: boolean }[];
  tools: Record<string, string>;
  warnings: unknown[];
  cpu: { threads: number };
  memory: { total_bytes: number };
}

test('hardware --json on this machine: a real CPU device of its class; GPUs only where a vendor tool is installed', async () => {
  const { stdout, code } = await switchyard('--json');
  assert.equal(code, 0);
  const out = JSON.parse(stdout) as HardwareJson;
  const cpu = out.devices.find((d) => d.kind === 'cpu');
  assert.ok(cpu);
  assert.equal(cpu.id, 'cpu:0');
  if (process.arch === 'x64') assert.equal(cpu.class, 'cpu-x86');
  if (process.arch === 'arm64') assert.equal(cpu.class, 'cpu-arm');
  assert.equal(cpu.real, true);
  assert.equal(cpu.tier, 'onprem');
  assert.equal(cpu.memory_bytes, out.memory.total_bytes);
  assert.ok(out.cpu.threads >= 1);
  // The development machine has no accelerator and none of the vendor tools.
  if (['nvidia-smi', 'rocm-smi', 'hl-smi'].every((tool) => out.tools[tool] === 'missing')) {
    assert.deepEqual(out.devices.filter((d) => d.kind !== 'cpu' && d.kind !== 'soc'), []);
  }
});

test('hardware prints the device table, the CPU, memory, pressure and tools', async () => {
  const { stdout, code } = await switchyard('--tier', 'edge');
  assert.equal(code, 0);
  assert.match(stdout, /^DEVICE\s+CLASS\s+NAME\s+MEMORY/);
  assert.match(stdout, /^cpu:0\s+cpu-\S+\s+.*\sedge\s+real$/m);
  assert.match(stdout, /^cpu: /m);
  assert.match(stdout, /^memory: /m);
  assert.match(stdout, /^pressure/m);
  assert.match(stdout, /^tools: lscpu \w+, nvidia-smi \w+, rocm-smi \w+, hl-smi \w+$/m);
});

test('hardware --classes lists the catalog; --catalog merges an operator file over it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-hardware-cli-'));
  const override = join(dir, 'prices.yaml');
  writeFileSync(override, "classes:\n  l4:\n    price_usd_per_hour: { value: 0.42, basis: reserved cloud, source: our committed-use discount, as_of: '2026-02' }\n");
  const table = await switchyard('--classes', '--catalog', override);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /^h200\s+NVIDIA H200\s+141\.0 GiB\s+4800\.0 GB\/s\s+989 TFLOPS bf16\s+700 W\s+3\.72\s+on-demand cloud\s+built-in$/m);
  assert.match(table.stdout, new RegExp(`^l4\\s+NVIDIA L4\\s+.*0\\.42\\s+reserved cloud\\s+${override}$`, 'm'));
  const json = JSON.parse((await switchyard('--classes', '--json')).stdout) as { classes: { id: string; price_usd_per_hour: { source: string } }[] };
  assert.deepEqual(json.classes.map((c) => c.id), ['h200', 'h100', 'a100', 'l40s', 'l4', 'mi300x', 'gaudi2', 'jetson-orin', 'cpu-x86', 'cpu-arm']);
  assert.ok(json.classes.every((c) => c.price_usd_per_hour.source.length > 0));
});

test('a bad catalog or flag stops with exit 2 and a message naming the key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-hardware-cli-'));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'classes:\n  l4:\n    price_usd_per_hour: { value: cheap }\n');
  const result = await switchyard('--catalog', bad);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^switchyard hardware: invalid hardware catalog:/);
  assert.ok(result.stderr.includes(`${bad}: classes.l4.price_usd_per_hour.value: must be number`), result.stderr);
  assert.ok(result.stderr.includes(`${bad}: classes.l4.price_usd_per_hour.source: is required`), result.stderr);
  const tier = await switchyard('--tier', 'moon');
  assert.equal(tier.code, 2);
  assert.equal(tier.stderr, "switchyard hardware: --tier must be one of edge, onprem, cloud, got 'moon'\n");
});

test('hardware --config lists the config\'s declared devices as simulated; an unknown class is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-declared-'));
  const file = join(dir, 'switchyard.yaml');
  writeFileSync(file, 'declared_devices:\n  - { class: h200, count: 2, tier: cloud }\n  - { class: l4 }\n');
  const { stdout, code } = await switchyard('--json', '--config', file);
  assert.equal(code, 0);
  const declared = (JSON.parse(stdout) as { devices: { id: string; class: string; tier: string; real: boolean; simulated: boolean; source: string }[] }).devices.filter((d) => d.source === 'declared');
  assert.deepEqual(declared.map((d) => [d.id, d.class, d.tier, d.real, d.simulated]), [['sim:h200:0', 'h200', 'cloud', false, true], ['sim:h200:1', 'h200', 'cloud', false, true], ['sim:l4:0', 'l4', 'onprem', false, true]]);
  const table = await switchyard('--config', file);
  assert.match(table.stdout, /sim:h200:0\s+h200\s+NVIDIA H200 \(declared\).*cloud\s+simulated/);
  writeFileSync(file, 'declared_devices:\n  - { class: h2000 }\n');
  const bad = await switchyard('--config', file);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /declared_devices\[0\]\.class: 'h2000' is not a hardware class in the catalog/);
});
