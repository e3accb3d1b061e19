import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { isSwitchyardError } from '../../src/core/errors.js';
import { ArtifactStore } from '../../src/registry/artifacts/artifact-store.js';
import { canonicalManifest, digestHex } from '../../src/registry/artifacts/manifest.js';
import { checkManifestSignature, parseTrustedKey, signManifest } from '../../src/registry/artifacts/signatures.js';
import { ingestArtifact } from '../../src/registry/ingest/ingest.js';
import { DEFAULT_INGEST_LIMITS } from '../../src/registry/ingest/limits.js';
import { matmulChain } from '../fixtures/onnx-fixtures.js';
import { file, tarOf } from '../fixtures/archives.js';

async function storedArtifact(): Promise<{ store: ArtifactStore; digest: string; dir: string }> {
  const store = new ArtifactStore(mkdtempSync(join(tmpdir(), 'switchyard-store-')));
  const { digest } = await store.put([{ path: 'model.onnx', bytes: matmulChain(4, 1) }, { path: 'vocab/words.txt', bytes: Buffer.from('a\nb\n') }]);
  return { store, digest, dir: join(store.root, 'sha256', digestHex(digest) ?? '', 'files') };
}

const refusedAtLoad = (pattern: RegExp) => (error: unknown): boolean => {
  assert.ok(isSwitchyardError(error));
  assert.equal(error.code, 'ARTIFACT_INTEGRITY_FAILED');
  assert.match(error.message, pattern);
  return true;
};

test('a stored artifact loads with the very bytes that were stored; the digest names the file set', async () => {
  const { store, digest } = await storedArtifact();
  const loaded = await store.load(digest);
  assert.deepEqual([...loaded.files.keys()], ['model.onnx', 'vocab/words.txt']);
  assert.equal(loaded.files.get('vocab/words.txt')?.toString(), 'a\nb\n');
  const again = await store.put([{ path: 'vocab/words.txt', bytes: Buffer.from('a\nb\n') }, { path: 'model.onnx', bytes: matmulChain(4, 1) }]);
  assert.equal(again.digest, digest, 'same files in another order: same digest');
  const other = await store.put([{ path: 'model.onnx', bytes: matmulChain(4, 1) }]);
  assert.notEqual(other.digest, digest);
});

test('a flipped byte refuses the load', async () => {
  const { store, digest, dir } = await storedArtifact();
  const bytes = readFileSync(join(dir, 'model.onnx'));
  bytes[10] = (bytes[10] ?? 0) ^ 0x01;
  writeFileSync(join(dir, 'model.onnx'), bytes);
  await assert.rejects(store.load(digest), refusedAtLoad(/'model.onnx' does not match its SHA-256.*\(changed\)/));
});

test('an appended byte refuses the load', async () => {
  const { store, digest, dir } = await storedArtifact();
  appendFileSync(join(dir, 'vocab', 'words.txt'), 'c');
  await assert.rejects(store.load(digest), refusedAtLoad(/words.txt' does not match/));
});

test('an added file refuses the load', async () => {
  const { store, digest, dir } = await storedArtifact();
  writeFileSync(join(dir, 'extra.bin'), 'x');
  await assert.rejects(store.load(digest), refusedAtLoad(/'extra.bin' is not in the manifest \(added\)/));
});

test('a removed file refuses the load', async () => {
  const { store, digest, dir } = await storedArtifact();
  rmSync(join(dir, 'vocab', 'words.txt'));
  await assert.rejects(store.load(digest), refusedAtLoad(/'vocab\/words.txt' listed in the manifest is missing \(removed\)/));
});

test('a symlink planted in the artifact refuses the load', async () => {
  const { store, digest, dir } = await storedArtifact();
  symlinkSync('/etc/passwd', join(dir, 'passwd'));
  await assert.rejects(store.load(digest), refusedAtLoad(/'passwd' is not a regular file/));
});

test('an edited manifest (a file added to it) refuses the load', async () => {
  const { store, digest } = await storedArtifact();
  const path = join(store.root, 'sha256', digestHex(digest) ?? '', 'manifest.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as { files: unknown[] };
  manifest.files.push({ path: 'x', size: 0, sha256: '0'.repeat(64) });
  writeFileSync(path, JSON.stringify(manifest));
  await assert.rejects(store.load(digest), refusedAtLoad(/manifest hashes to sha256:[0-9a-f]{64}, not to the digest/));
});

test('an unknown digest is refused at load', async () => {
  const { store } = await storedArtifact();
  await assert.rejects(store.load(`sha256:${'1'.repeat(64)}`), refusedAtLoad(/manifest is missing/));
  await assert.rejects(store.load('sha256:../../etc'), refusedAtLoad(/not a sha256 digest/));
});

test('ingest limits: total, per entry, entry count, and a gzip bomb', async () => {
  const store = new ArtifactStore(mkdtempSync(join(tmpdir(), 'switchyard-store-')));
  const model = matmulChain(4, 1);
  const limits = { maxTotalBytes: 4096, maxEntryBytes: 2048, maxEntries: 4, maxInflateRatio: 100 };
  const tooLarge = (error: unknown): boolean => isSwitchyardError(error) && error.code === 'ARTIFACT_TOO_LARGE';
  await assert.rejects(ingestArtifact(store, { kind: 'archive', bytes: await tarOf([file('model.onnx', model), file('big.bin', Buffer.alloc(3000))]) }, limits), tooLarge);
  await assert.rejects(ingestArtifact(store, { kind: 'archive', bytes: await tarOf([file('model.onnx', model), file('a.bin', Buffer.alloc(2000)), file('b.bin', Buffer.alloc(2000))]) }, limits), tooLarge);
  await assert.rejects(ingestArtifact(store, { kind: 'archive', bytes: await tarOf(['a', 'b', 'c', 'd', 'e'].map((n) => file(`${n}.bin`, 'x'))) }, limits), tooLarge);
  await assert.rejects(ingestArtifact(store, { kind: 'archive', bytes: await tarOf([file('model.onnx', model), file('zeros.bin', Buffer.alloc(50 * 1024 * 1024))], { gzip: true }) }, limits), tooLarge);
  await assert.rejects(ingestArtifact(store, { kind: 'file', fileName: 'model.onnx', bytes: Buffer.alloc(5000) }, limits), tooLarge);
  const refused = (error: unknown): boolean => isSwitchyardError(error) && error.code === 'ARTIFACT_REFUSED';
  await assert.rejects(ingestArtifact(store, { kind: 'archive', bytes: Buffer.from('definitely not a tar archive at all') }, DEFAULT_INGEST_LIMITS), refused);
  await assert.rejects(ingestArtifact(store, { kind: 'archive', bytes: Buffer.from([0x1f, 0x8b, 1, 2, 3]) }, DEFAULT_INGEST_LIMITS), refused);
  await assert.rejects(ingestArtifact(store, { kind: 'file', fileName: 'model.onnx', bytes: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]) }, DEFAULT_INGEST_LIMITS), refused);
  await assert.rejects(ingestArtifact(store, { kind: 'archive', bytes: await tarOf([file('readme.txt', 'no model')]) }, DEFAULT_INGEST_LIMITS), refused);
});

test('ed25519 signatures over the manifest: verified when present, required by policy', async () => {
  const { store, digest } = await storedArtifact();
  const { manifest } = await store.load(digest);
  const canonical = canonicalManifest(manifest);
  const keys = generateKeyPairSync('ed25519');
  const pem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const trusted = parseTrustedKey(keys.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const policy = { required: true, trustedKeys: new Map([['release', trusted]]) };
  const signature = signManifest(canonical, pem, 'release');
  assert.equal(checkManifestSignature(canonical, signature, policy), true);
  const invalid = (pattern: RegExp) => (error: unknown): boolean => isSwitchyardError(error) && error.code === 'SIGNATURE_INVALID' && pattern.test(error.message);
  assert.throws(() => checkManifestSignature(canonical, undefined, policy), invalid(/requires a manifest signature/));
  assert.equal(checkManifestSignature(canonical, undefined, { ...policy, required: false }), false);
  assert.throws(() => checkManifestSignature(canonical, { ...signature, keyId: 'other' }, policy), invalid(/not a trusted key/));
  const tampered = Buffer.from(canonical);
  tampered[5] = (tampered[5] ?? 0) ^ 1;
  assert.throws(() => checkManifestSignature(tampered, signature, policy), invalid(/does not verify/));
  assert.throws(() => checkManifestSignature(canonical, { ...signature, signature: 'AAAA' }, policy), invalid(/not 64 bytes/));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  assert.throws(() => parseTrustedKey(rsa), /not ed25519/);
});
