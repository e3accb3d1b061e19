/**
 * Each tool's parser against real captured output (the H200 machine of
 * test/fixtures/hardware/h200, this development VM's lscpu), hand-written output in the
 * documented format where no machine was at hand (AMD, Gaudi, Arm), and garbage.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHlSmiCsv } from '../../src/hardware/hl-smi.js';
import { cpuFromLscpu, cpuFromOs, parseCpuinfo, parseLscpu } from '../../src/hardware/lscpu.js';
import { NVIDIA_QUERY_FIELDS, NVIDIA_SMI_ARGS, parseNvidiaSmiCsv } from '../../src/hardware/nvidia-smi.js';
import { parseNvidiaSmiXml } from '../../src/hardware/nvidia-smi-xml.js';
import { parseDeviceTreeModel, parseMeminfo, parsePressure } from '../../src/hardware/proc.js';
import { ParseError, readBytes, readNumber, readShare } from '../../src/hardware/quantity.js';
import { parseRocmSmiJson } from '../../src/hardware/rocm-smi.js';
import { parseXml } from '../../src/hardware/xml.js';
import { FIXTURE_OS, h200, own } from './fixture-host.js';

const MiB = 2 ** 20;
const H200_UUID = 'GPU-55fefb08-c1f9-58f5-27c7-2fb52da10357';
/** What both nvidia-smi formats report for the captured H200. */
const H200_READING = {
  index: 0,
  name: 'NVIDIA H200',
  uuid: H200_UUID,
  memoryTotalBytes: 143771 * MiB,
  memoryUsedBytes: 0,
  memoryFreeBytes: 143156 * MiB,
  utilisation: 0,
  memoryUtilisation: 0,
  powerDrawWatts: 79.63,
  powerLimitWatts: 700,
  temperatureC: 35,
  pciBusId: '00000000:00:06.0',
  driverVersion: '580.159.04',
  migEnabled: false,
};

test('the query asks for the fields the fixtures were captured with', () => {
  const readme = h200('../README.md');
  assert.ok(readme.includes(`--query-gpu=${NVIDIA_QUERY_FIELDS.join(',')}`));
  assert.deepEqual(NVIDIA_SMI_ARGS, [`--query-gpu=${NVIDIA_QUERY_FIELDS.join(',')}`, '--format=csv']);
});

test('nvidia-smi CSV with header and units: the real H200', () => {
  const { items, warnings } = parseNvidiaSmiCsv(h200('nvidia-smi-query.csv'));
  assert.deepEqual(warnings, []);
  assert.deepEqual(items, [{ ...H200_READING, computeCapability: '9.0' }]);
});

test('nvidia-smi CSV without header or units reads the same fields in query order', () => {
  const { items, warnings } = parseNvidiaSmiCsv(h200('nvidia-smi-query-noheader-nounits.csv'));
  assert.deepEqual(warnings, []);
  assert.equal(items.length, 1);
  const gpu = items[0]!;
  assert.equal(gpu.name, 'NVIDIA H200');
  assert.equal(gpu.memoryTotalBytes, 143771 * MiB);
  assert.equal(gpu.powerDrawWatts, 79.62); // captured a moment after the CSV with units
  assert.equal(gpu.temperatureC, 35);
  assert.equal(gpu.computeCapability, '9.0');
  assert.equal(gpu.driverVersion, '580.159.04');
});

test('nvidia-smi CSV: [N/A] and friends are absent values, not errors', () => {
  const header = 'index, name, uuid, memory.total [MiB], memory.used [MiB], power.draw [W], temperature.gpu, compute_cap, mig.mode.current';
  const { items, warnings } = parseNvidiaSmiCsv(`${header}\n0, NVIDIA L4, [N/A], 23034 MiB, [Not Supported], [N/A], [N/A], 8.9, [N/A]\n`);
  assert.deepEqual(warnings, []);
  assert.deepEqual(items, [{ index: 0, name: 'NVIDIA L4', memoryTotalBytes: 23034 * MiB, computeCapability: '8.9' }]);
});

test('nvidia-smi CSV: a comma in a product name is put back together', () => {
  const { items, warnings } = parseNvidiaSmiCsv('index, name, memory.total [MiB]\n1, Some, Name With Commas, 1024 MiB\n');
  assert.deepEqual(warnings, []);
  assert.equal(items[0]?.name, 'Some, Name With Commas');
});

test('nvidia-smi CSV garbage becomes warnings, good rows still count', () => {
  assert.deepEqual(parseNvidiaSmiCsv(''), { items: [], warnings: [] });
  const garbage = parseNvidiaSmiCsv('Failed to initialize NVML: Driver/library version mismatch');
  assert.equal(garbage.items.length, 0);
  assert.match(garbage.warnings[0]!, /line 1: expected 15 fields, got 1/);
  assert.match(parseNvidiaSmiCsv('name, uuid\nNVIDIA H200, GPU-1\n').warnings[0]!, /header lacks index, memory\.total/);
  const mixed = parseNvidiaSmiCsv(
    'index, name, memory.total [MiB], power.draw [W]\n0, NVIDIA H100 80GB HBM3, 81559 MiB, 71.2 W\n1, NVIDIA H100 80GB HBM3, lots MiB, 70 W\n2, NVIDIA H100 80GB HBM3, 81559 MiB, 70 furlongs\n',
  );
  assert.deepEqual(mixed.items.map((g) => g.index), [0]);
  assert.equal(mixed.warnings.length, 2);
  assert.match(mixed.warnings[0]!, /^line 3: memory\.total: 'lots MiB' is not a size/);
  assert.match(mixed.warnings[1]!, /^line 4: power\.draw: unexpected unit in '70 furlongs'/);
});

test('nvidia-smi -q -x: the real H200', () => {
  const { items, warnings } = parseNvidiaSmiXml(h200('nvidia-smi-q.xml'));
  assert.deepEqual(warnings, []);
  // The XML has no compute capability field but names the architecture.
  assert.deepEqual(items, [{ ...H200_READING, architecture: 'Hopper' }]);
});

test('nvidia-smi -q -x garbage becomes warnings', () => {
  assert.match(parseNvidiaSmiXml('No devices were found').warnings[0]!, /^not XML: text outside the root element/);
  assert.match(parseNvidiaSmiXml('<nvidia_smi_log><gpu>').warnings[0]!, /^not XML: <gpu> is never closed/);
  assert.match(parseNvidiaSmiXml('<html></html>').warnings[0]!, /expected <nvidia_smi_log>, got <html>/);
  const noMemory = parseNvidiaSmiXml('<nvidia_smi_log><gpu id="0"><product_name>NVIDIA A100-SXM4-80GB</product_name></gpu></nvidia_smi_log>');
  assert.deepEqual(noMemory, { items: [], warnings: ['gpu 0: fb_memory_usage.total is missing'] });
});

test('the small XML reader: attributes, entities, comments, CDATA, self-closing tags', () => {
  const root = parseXml('<?xml version="1.0"?><!DOCTYPE a SYSTEM "a.dtd"><!-- c > d --><a x="1 &amp; 2"><b/><c>&lt;&#65;&#x42;<![CDATA[<raw>]]></c></a>');
  assert.equal(root.attributes.x, '1 & 2');
  assert.deepEqual(root.children.map((c) => c.name), ['b', 'c']);
  assert.equal(root.children[1]!.text, '<AB<raw>');
  assert.throws(() => parseXml('<a></b>'), ParseError);
  assert.throws(() => parseXml('<a/><b/>'), /a second root element/);
});

test('rocm-smi --json (hand-written in the documented format): two MI300X', () => {
  const { items, warnings } = parseRocmSmiJson(own('hand-written/rocm-smi-mi300x.json'));
  assert.deepEqual(warnings, []);
  assert.equal(items.length, 2);
  assert.deepEqual(items[0], {
    index: 0,
    name: 'AMD Instinct MI300X OAM',
    identifiers: ['0x74a1', 'M3000100', 'gfx942'],
    uniqueId: '0x18f68e602b8a790f',
    memoryTotalBytes: 205822885888,
    memoryUsedBytes: 283115520,
    utilisation: 0,
    powerDrawWatts: 133,
    temperatureC: 35, // no edge sensor: junction
    pciBusId: '0000:0C:00.0',
  });
  assert.equal(items[1]!.utilisation, 0.87);
});

test('rocm-smi: older key spellings, WARNING lines before the JSON, arrays of one value', () => {
  const text = 'WARNING: one of the cards is in a low-power state\n{"card1": {"Card series": "Radeon RX 7900 XTX", "VRAM Total Memory (B)": "25753026560", "Average Graphics Package Power (W)": "212.0", "Temperature (Sensor edge) (C)": ["52.0"]}}';
  const { items, warnings } = parseRocmSmiJson(text);
  assert.deepEqual(warnings, []);
  assert.deepEqual(items, [{ index: 1, name: 'Radeon RX 7900 XTX', identifiers: [], memoryTotalBytes: 25753026560, powerDrawWatts: 212, temperatureC: 52 }]);
});

test('rocm-smi garbage becomes warnings; an empty object is no devices', () => {
  assert.deepEqual(parseRocmSmiJson('{}'), { items: [], warnings: [] });
  assert.match(parseRocmSmiJson('ERROR: GPU[0] : Unable to read').warnings[0]!, /^not JSON/);
  assert.deepEqual(parseRocmSmiJson('{"card0": {}}').warnings, ['card0: no Card series, Card SKU or Card model']);
  assert.deepEqual(parseRocmSmiJson('{"card0": {"Card Series": "AMD Instinct MI300X"}}').warnings, ['card0: VRAM Total Memory (B) is missing (was --showmeminfo vram asked for?)']);
  assert.deepEqual(parseRocmSmiJson('{"card0": "x"}').warnings, ['card0: expected an object']);
});

test('hl-smi CSV (hand-written in the documented format): two Gaudi 2', () => {
  const { items, warnings } = parseHlSmiCsv(own('hand-written/hl-smi-gaudi2.csv'));
  assert.deepEqual(warnings, []);
  assert.deepEqual(items[1], {
    index: 1,
    name: 'HL-225',
    uuid: '01P0-HL2080A0-15-TNPS34-20-07-11',
    pciBusId: '0000:b3:00.0',
    driverVersion: '1.17.0-e4f4f3e',
    memoryTotalBytes: 98304 * MiB,
    memoryUsedBytes: 61440 * MiB,
    utilisation: 0.93,
    powerDrawWatts: 541,
    temperatureC: 47,
  });
});

test('hl-smi: values without units are MiB, W and C; garbage becomes warnings', () => {
  const bare = parseHlSmiCsv('0, HL-225, 01P0, 0000:19:00.0, 1.17.0, 98304, 0, 0, 97, 28\n');
  assert.equal(bare.items[0]?.memoryTotalBytes, 98304 * MiB);
  const bad = parseHlSmiCsv('hl-smi: unrecognized option\n0, HL-225, 01P0, 0000:19:00.0, 1.17.0, big, 0, 0, 97, 28\n');
  assert.deepEqual(bad.items, []);
  assert.match(bad.warnings[0]!, /^line 1: expected 10 fields, got 1/);
  assert.match(bad.warnings[1]!, /^line 2: memory\.total: 'big' is not a size/);
});

const H200_CPU = {
  model: 'Intel(R) Xeon(R) Processor',
  vendor: 'intel',
  architecture: 'x86_64',
  sockets: 1,
  cores: 16,
  threads: 16,
  instructionSets: ['sse4_2', 'avx', 'avx2', 'fma', 'f16c', 'avx_vnni', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx512_bf16', 'avx512_fp16', 'amx_tile', 'amx_bf16', 'amx_int8'],
};

test('lscpu -J: the real H200 machine (Sapphire Rapids with AMX)', () => {
  const cpu = cpuFromLscpu(parseLscpu(h200('lscpu.json')), FIXTURE_OS);
  const { flags, ...rest } = cpu;
  assert.deepEqual(rest, H200_CPU);
  assert.equal(flags[0], 'fpu');
  assert.equal(flags.at(-1), 'arch_capabilities');
  assert.ok(flags.includes('amx_tile') && flags.includes('avx512f'));
});

test('plain lscpu reads the same as lscpu -J', () => {
  assert.deepEqual(cpuFromLscpu(parseLscpu(h200('lscpu.txt')), FIXTURE_OS), cpuFromLscpu(parseLscpu(h200('lscpu.json')), FIXTURE_OS));
});

test('lscpu -J nested (as printed to a terminal) reads the same as flat', () => {
  const flat = cpuFromLscpu(parseLscpu(own('captured/epyc-vm/lscpu.json')), FIXTURE_OS);
  const nested = cpuFromLscpu(parseLscpu(own('captured/epyc-vm/lscpu-tty.json')), FIXTURE_OS);
  assert.deepEqual(nested, flat);
  assert.equal(flat.model, 'AMD EPYC');
  assert.equal(flat.vendor, 'amd');
  assert.equal(flat.architecture, 'x86_64');
});

test('lscpu on Arm: clusters instead of sockets, NEON flags', () => {
  const cpu = cpuFromLscpu(parseLscpu(own('hand-written/lscpu-arm.txt')), FIXTURE_OS);
  assert.equal(cpu.architecture, 'aarch64');
  assert.equal(cpu.vendor, 'arm');
  assert.equal(cpu.model, 'Neoverse-N1');
  assert.equal(cpu.sockets, undefined);
  assert.equal(cpu.cores, 80);
  assert.deepEqual(cpu.instructionSets, ['asimd', 'asimdhp', 'asimddp']);
});

test('lscpu garbage is a ParseError', () => {
  assert.throws(() => parseLscpu('{"lscpu": 3}'), /"lscpu" is not a list/);
  assert.throws(() => parseLscpu('{not json'), /lscpu JSON/);
  assert.throws(() => parseLscpu('lscpu: failed to determine number of CPUs'), /no Architecture or CPU\(s\)/);
});

test('/proc/cpuinfo gives model and flags when lscpu is missing', () => {
  const info = parseCpuinfo(h200('cpuinfo-head.txt'));
  assert.equal(info.model, 'Intel(R) Xeon(R) Processor');
  assert.equal(info.vendorId, 'GenuineIntel');
  const cpu = cpuFromOs(FIXTURE_OS, info);
  assert.equal(cpu.vendor, 'intel');
  assert.equal(cpu.architecture, 'x64');
  assert.deepEqual(cpu.instructionSets, H200_CPU.instructionSets);
  assert.deepEqual(parseCpuinfo('processor : 0\nFeatures : fp asimd sve\n').flags, ['fp', 'asimd', 'sve']);
});

test('/proc/meminfo: MemTotal and MemAvailable in bytes', () => {
  assert.deepEqual(parseMeminfo(h200('meminfo.txt')), { totalBytes: 131981020 * 1024, availableBytes: 131473412 * 1024 });
  assert.deepEqual(parseMeminfo('MemTotal: 1000 kB\nMemFree: 10 kB\n'), { totalBytes: 1024000, availableBytes: 10240 });
  assert.throws(() => parseMeminfo('garbage'), ParseError);
});

test('/proc/pressure: some and full, avg10/avg60/avg300 and total', () => {
  assert.deepEqual(parsePressure(h200('pressure-cpu.txt')), {
    some: { avg10: 0.68, avg60: 1.44, avg300: 0.44, totalMicros: 1495641 },
    full: { avg10: 0, avg60: 0, avg300: 0, totalMicros: 0 },
  });
  assert.deepEqual(parsePressure(h200('pressure-io.txt')).some, { avg10: 2.87, avg60: 1.39, avg300: 0.33, totalMicros: 1098544 });
  assert.deepEqual(parsePressure(h200('pressure-memory.txt')).full, { avg10: 0, avg60: 0, avg300: 0, totalMicros: 0 });
  // Kernels before 5.13 have no `full` line for cpu.
  assert.deepEqual(parsePressure('some avg10=1.00 avg60=2.00 avg300=3.00 total=4\n'), { some: { avg10: 1, avg60: 2, avg300: 3, totalMicros: 4 } });
  assert.throws(() => parsePressure('some avg10=x'), ParseError);
  assert.throws(() => parsePressure('full avg10=0.00 avg60=0.00 avg300=0.00 total=0'), /no 'some' line/);
});

test('device-tree model loses its NUL terminator', () => {
  assert.equal(parseDeviceTreeModel('NVIDIA Jetson AGX Orin Developer Kit\0'), 'NVIDIA Jetson AGX Orin Developer Kit');
  assert.equal(parseDeviceTreeModel('\0'), undefined);
});

test('cells: units, unavailable markers, garbage', () => {
  assert.equal(readBytes('143771 MiB', 'm'), 143771 * MiB);
  assert.equal(readBytes('143771', 'm'), 143771 * MiB);
  assert.equal(readBytes('2 GiB', 'm'), 2 * 2 ** 30);
  assert.equal(readNumber('125.64 W', 'p', ['W']), 125.64);
  assert.equal(readNumber('36', 't', ['C']), 36);
  assert.equal(readShare('87 %', 'u'), 0.87);
  for (const na of ['[N/A]', 'N/A', '[Not Supported]', '[Unknown Error]', '[Insufficient Permissions]', '', ' ']) assert.equal(readNumber(na, 'x'), undefined, na);
  assert.throws(() => readNumber('12 Q', 'p', ['W']), /p: unexpected unit in '12 Q' \(expected W\)/);
  assert.throws(() => readBytes('12 parsecs', 'm'), /unknown size unit/);
  assert.throws(() => readNumber('twelve', 'n'), /'twelve' is not a number/);
});
