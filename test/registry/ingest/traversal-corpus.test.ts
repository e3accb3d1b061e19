import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isSwitchyardError } from '../../../src/core/errors.js';
import { ArtifactStore } from '../../../src/registry/artifacts/artifact-store.js';
import { ingestArtifact } from '../../../src/registry/ingest/ingest.js';
import { DEFAULT_INGEST_LIMITS } from '../../../src/registry/ingest/limits.js';
import type { Upload } from '../../../src/registry/ingest/read-upload.js';
import { checkSourceUrl } from '../../../src/registry/ingest/url-source.js';
import { matmulChain } from '../../fixtures/onnx-fixtures.js';
import { file, modelWithExternalData, tarOf, type TarEntry } from '../../fixtures/archives.js';

/** Every file and folder under `root` with its size and mtime: what "nothing was written" means. */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const stats = statSync(path, { throwIfNoEntry: false });
      out.set(relative(root, path), `${entry.isDirectory() ? 'd' : 'f'}:${stats?.size ?? -1}:${stats?.mtimeMs ?? -1}`);
      if (entry.isDirectory()) walk(path);
    }
  };
  walk(root);
  return out;
}

const model = matmulChain(4, 1);
const canary = join(tmpdir(), `switchyard-canary-${randomBytes(6).toString('hex')}`);

const badNames = [
  '../evil.bin', '../../evil.bin', 'a/../../evil.bin', 'a/../evil.bin', './../evil.bin', '..', 'a/..',
  '..%2fevil.bin', '%2e%2e/evil.bin', '%2e%2e%2fevil.bin', '..%2F..%2Fevil.bin', '%252e%252e%252fevil.bin', 'a%5c..%5cevil.bin',
  '..\\evil.bin', 'a\\..\\..\\evil.bin', 'C:\\evil.bin', 'C:/evil.bin',
  '/evil.bin', canary, '//server/share/evil.bin',
  'a//b.bin', 'caf\u00e9.bin', 'space name.bin', 'a/\u2215..\u2215evil.bin',
];

const archiveCases: [string, TarEntry[]][] = [
  ...badNames.map((name): [string, TarEntry[]] => [`entry ${JSON.stringify(name)}`, [file('model.onnx', model), file(name, 'x')]]),
  ['pax path ../evil', [file('model.onnx', model), { header: { name: 'innocent.bin', type: 'file', size: 1, pax: { path: '../evil.bin' } }, body: 'x' }]],
  ['long ustar name with ..', [file('model.onnx', model), file(`${'a'.repeat(120)}/../../../evil.bin`, 'x')]],
  ['symlink to /etc/passwd', [file('model.onnx', model), { header: { name: 'link', type: 'symlink', linkname: '/etc/passwd' } }]],
  ['symlink relative out', [file('model.onnx', model), { header: { name: 'link', type: 'symlink', linkname: '../../outside' } }]],
  ['symlink then a file through it', [{ header: { name: 'dir', type: 'symlink', linkname: '..' } }, file('dir/evil.bin', 'x'), file('model.onnx', model)]],
  ['hardlink out', [file('model.onnx', model), { header: { name: 'hard', type: 'link', linkname: '../outside' } }]],
  ['character device', [file('model.onnx', model), { header: { name: 'dev', type: 'character-device', devmajor: 1, devminor: 3 } }]],
  ['block device', [file('model.onnx', model), { header: { name: 'blk', type: 'block-device', devmajor: 8, devminor: 0 } }]],
  ['fifo', [file('model.onnx', model), { header: { name: 'pipe', type: 'fifo' } }]],
  ['duplicate entry', [file('model.onnx', model), file('model.onnx', model)]],
  ['case-folded duplicate', [file('model.onnx', model), file('Model.onnx', model)]],
];

const badLocations = ['../outside.bin', '../../outside.bin', '/etc/passwd', canary, '..%2foutside.bin', '%2e%2e/outside.bin', 'sub/../../outside.bin', 'a\\..\\..\\outside.bin', 'w\0.bin', 'missing.bin', '', 'weights/../../outside.bin'];
const externalCases: [string, TarEntry[]][] = badLocations.flatMap((location) =>
  (['initializer', 'attribute', 'subgraph'] as const).map((where): [string, TarEntry[]] => [
    `external data ${JSON.stringify(location)} in ${where}`,
    [file('model.onnx', modelWithExternalData(location, where)), file('weights.bin', '12345678')],
  ]),
);

test('the traversal corpus: every hostile upload is refused and nothing is written anywhere', async () => {
  const root = mkdtempSync(join(tmpdir(), 'switchyard-corpus-'));
  mkdirSync(join(root, 'outside'));
  writeFileSync(join(root, 'outside', 'keep.txt'), 'untouched');
  const storeRoot = join(root, 'data', 'artifacts');
  const store = new ArtifactStore(storeRoot);
  const before = snapshot(root);
  const uploads: [string, Upload][] = [];
  for (const [name, entries] of [...archiveCases, ...externalCases]) {
    uploads.push([`${name} (tar)`, { kind: 'archive', bytes: await tarOf(entries) }]);
    uploads.push([`${name} (tar.gz)`, { kind: 'archive', bytes: await tarOf(entries, { gzip: true }) }]);
  }
  for (const name of [...badNames, 'model\0.onnx', 'a/model.onnx', '.onnx/../x.onnx']) uploads.push([`single file ${JSON.stringify(name)}`, { kind: 'file', fileName: name, bytes: model }]);
  for (const location of badLocations) uploads.push([`single file with external data ${JSON.stringify(location)}`, { kind: 'file', fileName: 'model.onnx', bytes: modelWithExternalData(location) }]);
  assert.ok(uploads.length > 150, `corpus size ${uploads.length}`);
  for (const [name, upload] of uploads) {
    await assert.rejects(ingestArtifact(store, upload, DEFAULT_INGEST_LIMITS), (error: unknown) => {
      assert.ok(isSwitchyardError(error), `${name}: ${String(error)}`);
      assert.equal(error.code, 'ARTIFACT_REFUSED', `${name}: ${error.message}`);
      return true;
    }, name);
  }
  assert.deepEqual(snapshot(root), before, 'a refused upload changed the file tree');
  assert.equal(existsSync(storeRoot), false, 'the store was created for a refused upload');
  assert.equal(existsSync(canary), false);
  assert.equal(existsSync(join(tmpdir(), 'evil.bin')), false);
  assert.equal(readFileSync(join(root, 'outside', 'keep.txt'), 'utf8'), 'untouched');
});

test('a good archive with safe external data is stored, and only inside the store', async () => {
  const root = mkdtempSync(join(tmpdir(), 'switchyard-corpus-'));
  const store = new ArtifactStore(join(root, 'artifacts'));
  const archive = await tarOf([
    { header: { name: './', type: 'directory' } },
    file('./model.onnx', modelWithExternalData('weights/w.bin')),
    { header: { name: 'weights/', type: 'directory' } },
    file('weights/w.bin', '12345678'),
  ], { gzip: true });
  const stored = await ingestArtifact(store, { kind: 'archive', bytes: archive }, DEFAULT_INGEST_LIMITS);
  assert.deepEqual(stored.manifest.files.map((f) => f.path), ['model.onnx', 'weights/w.bin']);
  assert.deepEqual([...snapshot(root).keys()].filter((p) => !p.startsWith('artifacts')), []);
  const loaded = await store.load(stored.digest);
  assert.equal(loaded.files.get('weights/w.bin')?.toString(), '12345678');
});

test('URL sources: only allow-listed https prefixes pass', () => {
  const policy = { allowList: ['https://models.example.com/releases/'], allowHttp: false, timeoutMs: 1000 };
  assert.equal(checkSourceUrl('https://models.example.com/releases/m/1.tar.gz', policy).pathname, '/releases/m/1.tar.gz');
  for (const url of [
    'http://models.example.com/releases/m.onnx', 'file:///etc/passwd', 'ftp://models.example.com/releases/m.onnx',
    'https://evil.example/releases/m.onnx', 'https://models.example.com.evil.example/releases/m.onnx',
    'https://models.example.com/releases/../secret.onnx', 'https://models.example.com/releases/%2e%2e/secret.onnx',
    'https://models.example.com/releases%2f..%2fsecret.onnx', 'https://models.example.com:8443/releases/m.onnx',
    'https://user:pw@models.example.com/releases/m.onnx', 'https://models.example.com/releasesX/m.onnx', 'not a url', '/releases/m.onnx',
  ]) {
    assert.throws(() => checkSourceUrl(url, policy), (error: unknown) => isSwitchyardError(error) && error.code === 'INGEST_SOURCE_NOT_ALLOWED', url);
  }
});
