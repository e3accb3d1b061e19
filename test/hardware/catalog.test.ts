/** The hardware catalog: the built-in data, validation that names the key, overrides, class matching. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCatalog, builtInCatalogFile, CatalogError, loadCatalog, packageRoot } from '../../src/hardware/catalog.js';
import { classify, type Classifiable } from '../../src/hardware/classify.js';
import { describeCpu } from '../../src/hardware/cpu.js';
import { formatBytes } from '../../src/hardware/report.js';
import { parse } from 'yaml';

const CLASS_IDS = ['h200', 'h100', 'a100', 'l40s', 'l4', 'mi300x', 'gaudi2', 'jetson-orin', 'cpu-x86', 'cpu-arm'];
const catalog = loadCatalog();
const dir = mkdtempSync(join(tmpdir(), 'switchyard-catalog-'));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The built-in document with one change, as a new catalog file. */
function builtInWith(change: (doc: { classes: Record<string, Record<string, unknown>> }) => void): string {
  const doc = parse(readFileSync(builtInCatalogFile(), 'utf8')) as { classes: Record<string, Record<string, unknown>> };
  change(doc);
  return JSON.stringify(doc);
}

function problems(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof CatalogError, String(error));
    return error.problems;
  }
  assert.fail('expected a CatalogError');
}

test('the built-in catalog lives at <package root>/hardware/catalog.yaml, found from src/ and dist/ alike', () => {
  assert.equal(builtInCatalogFile(), join(packageRoot(), 'hardware', 'catalog.yaml'));
  assert.ok(existsSync(join(packageRoot(), 'package.json')));
  assert.deepEqual(catalog.files, [builtInCatalogFile()]);
});

test('every class of the issue, each figure with its source and date', () => {
  assert.deepEqual(catalog.classes.map((c) => c.id), CLASS_IDS);
  for (const c of catalog.classes) {
    for (const f of [c.memoryBytes, c.memoryBandwidthBytesPerS, c.peakDenseTflops, c.tdpWatts, c.priceUsdPerHour]) {
      assert.ok(f.value > 0, c.id);
      assert.ok(f.source.length >= 12, `${c.id}: ${f.source}`);
      assert.match(f.asOf, /^\d{4}(-\d{2})?$/, c.id);
    }
    assert.ok(['bf16', 'fp16'].includes(c.peakDenseTflops.precision), c.id);
    assert.ok(['on-demand cloud', 'amortised'].includes(c.priceUsdPerHour.basis), c.id);
    assert.ok(Number.isInteger(c.memoryBytes.value), c.id);
    assert.ok(Object.isFrozen(c), c.id);
  }
  const h200 = catalog.byId.get('h200')!;
  assert.equal(h200.memoryBytes.value, 141 * 2 ** 30);
  assert.equal(h200.memoryBandwidthBytesPerS.value, 4.8e12);
  assert.equal(h200.peakDenseTflops.value, 989);
  assert.equal(h200.tdpWatts.value, 700);
  assert.equal(catalog.byId.get('jetson-orin')!.defaultTier, 'edge');
  assert.equal(catalog.byId.get('jetson-orin')!.priceUsdPerHour.basis, 'amortised');
});

test('the real H200 reports a little less memory than its class: the catalog is nominal, discovery is real', () => {
  assert.ok(143771 * 2 ** 20 < catalog.byId.get('h200')!.memoryBytes.value);
  assert.ok(143771 * 2 ** 20 > 0.99 * catalog.byId.get('h200')!.memoryBytes.value);
});

test('validation names the file and the key of every problem at once', () => {
  const file = write(
    'bad.yaml',
    builtInWith((doc) => {
      const h100 = doc.classes.h100!;
      delete (h100.price_usd_per_hour as Record<string, unknown>).source;
      h100.memory_gb = 80;
      (h100.peak_dense_tflops as Record<string, unknown>).precision = 'fp4';
      (h100.tdp_watts as Record<string, unknown>).value = -700;
      (doc.classes.l4!.memory_bytes as Record<string, unknown>).as_of = 'last year';
      doc.classes.H100 = doc.classes.h100!;
    }),
  );
  const found = problems(() => loadCatalog({ file }));
  for (const expected of [
    `${file}: classes.h100.price_usd_per_hour.source: is required`,
    `${file}: classes.h100.memory_gb: unknown key`,
    `${file}: classes.h100.peak_dense_tflops.precision: must be one of "fp32", "tf32", "fp16", "bf16", "fp8", "int8"`,
    `${file}: classes.h100.tdp_watts.value: must be > 0`,
    `${file}: classes.l4.memory_bytes.as_of: must match ^\\d{4}(-\\d{2}){0,2}$`,
    `${file}: classes.H100: a class id is lowercase letters, digits and '-' (at most 64), e.g. 'h200', 'jetson-orin'`,
  ]) {
    assert.ok(found.includes(expected), `missing: ${expected}\ngot:\n${found.join('\n')}`);
  }
});

test('validation: bad patterns, rules that match nothing, bad YAML, missing files', () => {
  const patterns = write(
    'patterns.yaml',
    builtInWith((doc) => {
      doc.classes.h200!.match = { vendor: 'nvidia', names: ['(H200'] };
      doc.classes.l4!.match = { vendor: 'nvidia' };
    }),
  );
  const found = problems(() => loadCatalog({ file: patterns }));
  assert.match(found[0]!, /classes\.h200\.match\.names\[0\]: not a valid regular expression/);
  assert.equal(found[1], `${patterns}: classes.l4.match: needs names or architectures, or no device can ever match it`);
  assert.match(problems(() => loadCatalog({ file: write('broken.yaml', 'classes: [\n') }))[0]!, /broken\.yaml: not valid YAML/);
  assert.match(problems(() => loadCatalog({ file: join(dir, 'nope.yaml') }))[0]!, /nope\.yaml: cannot read/);
  assert.deepEqual(problems(() => buildCatalog({ document: { version: 2, classes: {} }, file: 'x.yaml' })), [
    'x.yaml: version: must be equal to constant',
    'x.yaml: classes: must NOT have fewer than 1 properties',
  ]);
});

const PRICE_OVERRIDE = `
classes:
  h100:
    price_usd_per_hour: { value: 2.1, basis: reserved cloud, source: our 1-year reservation with a GPU cloud, as_of: '2026-03' }
  rtx-6000-ada:
    label: NVIDIA RTX 6000 Ada
    kind: gpu
    vendor: nvidia
    reference: RTX 6000 Ada Generation, 48 GB GDDR6 with ECC
    match: { vendor: nvidia, names: ['RTX 6000 Ada'] }
    memory_bytes: { value: 51539607552, source: NVIDIA RTX 6000 Ada datasheet, as_of: '2023-01' }
    memory_bandwidth_bytes_per_s: { value: 960.0e9, source: NVIDIA RTX 6000 Ada datasheet, as_of: '2023-01' }
    peak_dense_tflops: { value: 364, precision: bf16, source: NVIDIA RTX 6000 Ada datasheet (half the sparse figure), as_of: '2023-01' }
    tdp_watts: { value: 300, source: NVIDIA RTX 6000 Ada datasheet, as_of: '2023-01' }
    price_usd_per_hour: { value: 0.15, basis: amortised, source: our purchase price over 4 years, as_of: '2026-01' }
`;

test('an override replaces a known class key by key and adds new classes, tried first', () => {
  const file = write('ops.yaml', PRICE_OVERRIDE);
  const merged = loadCatalog({ overrideFile: 'ops.yaml', cwd: dir });
  assert.deepEqual(merged.files, [builtInCatalogFile(), file]);
  const h100 = merged.byId.get('h100')!;
  assert.deepEqual(h100.priceUsdPerHour, { value: 2.1, basis: 'reserved cloud', source: 'our 1-year reservation with a GPU cloud', asOf: '2026-03' });
  assert.equal(h100.origin, file);
  assert.deepEqual(h100.memoryBytes, catalog.byId.get('h100')!.memoryBytes);
  assert.equal(merged.byId.get('h200')!.origin, builtInCatalogFile());
  assert.deepEqual(merged.classes.map((c) => c.id), ['rtx-6000-ada', ...CLASS_IDS]);
  assert.equal(classify({ kind: 'gpu', vendor: 'nvidia', name: 'NVIDIA RTX 6000 Ada Generation' }, merged)?.id, 'rtx-6000-ada');
});

test('an override class can take devices from a built-in class, since it is tried first', () => {
  const file = write(
    'pcie.yaml',
    PRICE_OVERRIDE.replace('rtx-6000-ada:', 'h100-pcie:').replace("names: ['RTX 6000 Ada']", "names: ['H100 PCIe']"),
  );
  const merged = loadCatalog({ overrideFile: file });
  assert.equal(classify({ kind: 'gpu', vendor: 'nvidia', name: 'NVIDIA H100 PCIe' }, merged)?.id, 'h100-pcie');
  assert.equal(classify({ kind: 'gpu', vendor: 'nvidia', name: 'NVIDIA H100 80GB HBM3' }, merged)?.id, 'h100');
});

test('override errors name the override file and the key; a new class must be complete', () => {
  const file = write('incomplete.yaml', 'classes:\n  b200:\n    label: NVIDIA B200\n  h100:\n    price_usd_per_hour: { value: 2 }\n    colour: green\n');
  const found = problems(() => loadCatalog({ overrideFile: file }));
  assert.ok(found.includes(`${file}: classes.h100.price_usd_per_hour.source: is required`), found.join('\n'));
  assert.ok(found.includes(`${file}: classes.h100.colour: unknown key`), found.join('\n'));
  const incomplete = write('new.yaml', 'classes:\n  b200:\n    label: NVIDIA B200\n');
  const missing = problems(() => loadCatalog({ overrideFile: incomplete }));
  assert.match(missing[0]!, new RegExp(`^${incomplete}: classes\\.b200\\.kind: is required \\(a new class must be complete; known classes: h200, h100`));
  assert.match(problems(() => loadCatalog({ overrideFile: write('empty.yaml', '') }))[0]!, /empty\.yaml: \(top level\): must be object/);
});

test('discovered names map to their classes', () => {
  const gpu = (name: string, vendor = 'nvidia', identifiers: string[] = []): Classifiable => ({ kind: 'gpu', vendor, name, identifiers });
  const cases: [Classifiable, string | undefined][] = [
    [gpu('NVIDIA H200'), 'h200'], // as the real H200 reports itself
    [gpu('NVIDIA H200 NVL'), 'h200'],
    [gpu('NVIDIA GH200 480GB'), undefined],
    [gpu('NVIDIA H100 80GB HBM3'), 'h100'],
    [gpu('NVIDIA H100 PCIe'), 'h100'],
    [gpu('NVIDIA A100-SXM4-80GB'), 'a100'],
    [gpu('NVIDIA A100-PCIE-40GB'), 'a100'],
    [gpu('NVIDIA A10'), undefined],
    [gpu('NVIDIA L40S'), 'l40s'],
    [gpu('NVIDIA L40'), undefined],
    [gpu('NVIDIA L4'), 'l4'],
    [gpu('Orin (nvgpu)'), 'jetson-orin'],
    [{ kind: 'soc', vendor: 'nvidia', name: 'NVIDIA Jetson AGX Orin Developer Kit' }, 'jetson-orin'],
    [gpu('AMD Instinct MI300X OAM', 'amd'), 'mi300x'],
    [gpu('AMD Instinct', 'amd', ['0x74a1']), 'mi300x'],
    [gpu('NVIDIA H200', 'amd'), undefined], // vendor must agree
    [{ kind: 'accelerator', vendor: 'intel', name: 'HL-225' }, 'gaudi2'],
    [{ kind: 'accelerator', vendor: 'intel', name: 'HL-225B' }, 'gaudi2'],
    [{ kind: 'accelerator', vendor: 'intel', name: 'HL-205' }, undefined],
    [{ kind: 'cpu', vendor: 'intel', name: 'Intel(R) Xeon(R) Processor', architecture: 'x86_64' }, 'cpu-x86'],
    [{ kind: 'cpu', vendor: 'arm', name: 'Neoverse-N1', architecture: 'aarch64' }, 'cpu-arm'],
    [{ kind: 'cpu', vendor: 'ibm', name: 'POWER10', architecture: 'ppc64le' }, undefined],
    [{ kind: 'gpu', vendor: 'nvidia', name: 'x86_64', architecture: 'x86_64' }, undefined], // CPU classes need kind cpu
  ];
  for (const [device, expected] of cases) assert.equal(classify(device, catalog)?.id, expected, `${device.name} (${device.vendor})`);
});

test("the catalog agrees with describeCpu(), which the serving path reports", () => {
  const cpu = describeCpu();
  assert.equal(classify({ kind: 'cpu', vendor: 'any', name: cpu.model, architecture: process.arch }, catalog)?.id, cpu.hardwareClass);
});

test('docs/hardware.md lists every class with the catalog figures and sources', () => {
  const docs = readFileSync(join(packageRoot(), 'docs', 'hardware.md'), 'utf8');
  const bandwidth = (v: number): string => (v >= 1e12 ? `${v / 1e12} TB/s` : `${v / 1e9} GB/s`);
  for (const c of catalog.classes) {
    const row = `| \`${c.id}\` | ${c.label} | ${c.reference} | ${formatBytes(c.memoryBytes.value)} | ${bandwidth(c.memoryBandwidthBytesPerS.value)} | ${c.peakDenseTflops.value} TFLOPS ${c.peakDenseTflops.precision.toUpperCase()} | ${c.tdpWatts.value} W | ${c.priceUsdPerHour.value.toFixed(2)} (${c.priceUsdPerHour.basis}) |`;
    assert.ok(docs.includes(row), `docs/hardware.md lacks or differs from:\n${row}`);
    for (const f of [c.memoryBytes, c.memoryBandwidthBytesPerS, c.peakDenseTflops, c.tdpWatts, c.priceUsdPerHour]) {
      assert.ok(docs.includes(`${f.source} (${f.asOf})`), `docs/hardware.md lacks the source of ${c.id}: ${f.source}`);
    }
  }
});
