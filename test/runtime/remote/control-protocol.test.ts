/**
 * The control-plane schemas: they accept what the agent and the gateway send today, refuse a
 * malformed message with an error naming the field, and let a newer minor's extra fields through.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Device } from '../../../src/hardware/device.js';
import { controlPath, CONTROL_ROUTES, readHeartbeat, readHeartbeatAnswer, readJoinAnswer, readJoinRequest } from '../../../src/runtime/remote/control-protocol.js';
import { checkProtocol, DATAPLANE_PROTOCOL } from '../../../src/runtime/remote/protocol.js';
import { bearerOf, digestOf, matchesDigest } from '../../../src/core/secrets.js';

const gpu: Device = { id: 'gpu:0', kind: 'gpu', vendor: 'nvidia', name: 'H100', class: 'nvidia-h100', memoryBytes: 80 * 2 ** 30, tier: 'cloud', real: true, source: 'nvidia-smi', uuid: 'GPU-1', utilisation: 0.1 };
const cpu: Device = { id: 'cpu:0', kind: 'cpu', vendor: 'amd', name: 'cpu', class: null, memoryBytes: 8 * 2 ** 30, tier: 'onprem', real: false, source: 'declared' };
/** What the agent sends at join (agent.ts), devices as discovery reports them. */
const join = { name: 'node-a', dataplane_url: 'http://127.0.0.1:7001', tier: 'onprem', devices: [cpu, gpu], agent_version: '0.1.0', protocol: DATAPLANE_PROTOCOL };
/** What the agent sends as a heartbeat: a reason only for a failed replica. */
const heartbeat = {
  draining: false,
  replicas: [
    { replica: 'm@1@node-a#1', state: 'ready' },
    { replica: 'm@1@node-a#2', state: 'failed', reason: 'artifact digest mismatch' },
  ],
  telemetry: { memory_total_bytes: 1, memory_free_bytes: 1, load_1m: 0.5, batches_in_flight: 0 },
};

function refusal(result: { ok: boolean; reason?: string }): string {
  assert.equal(result.ok, false, 'refused');
  return result.reason ?? '';
}

test('schemas accept what both ends send today', () => {
  assert.deepEqual(readJoinRequest(join), { ok: true, value: join });
  assert.ok(readJoinRequest({ ...join, tier: undefined, agent_version: undefined }).ok, 'tier and agent_version are optional');
  assert.ok(readJoinRequest({ ...join, devices: [] }).ok, 'a node may report no devices');
  assert.ok(readHeartbeat(heartbeat).ok);
  assert.ok(readHeartbeat({ ...heartbeat, replicas: [{ replica: 'r', state: 'loading' }], draining: true }).ok);
  assert.ok(readJoinAnswer({ node_id: 'node-1', node_secret: 's3cret', heartbeat_ms: 2000, protocol: DATAPLANE_PROTOCOL }).ok);
  assert.ok(readHeartbeatAnswer({ assignments: [] }).ok);
  assert.ok(readHeartbeatAnswer({ assignments: [{ replica: 'r', model: 'm', version: '1', digest: 'sha256:ab', source: 'gateway' }] }).ok);
  assert.ok(readHeartbeatAnswer({ assignments: [{ replica: 'r', model: 'm', version: '1', digest: 'sha256:ab' }] }).ok, 'a 1.0/1.1 gateway sends no source');
});

test('a newer minor version may add fields: unknown properties pass', () => {
  assert.ok(readJoinRequest({ ...join, labels: { zone: 'a' } }).ok);
  assert.ok(readHeartbeat({ ...heartbeat, replicas: [{ replica: 'r', state: 'ready', load_ms: 3 }] }).ok);
  assert.ok(readHeartbeatAnswer({ assignments: [], drain: false }).ok);
  assert.ok(readJoinAnswer({ node_id: 'n', node_secret: 's', heartbeat_ms: 1, protocol: 'switchyard-dataplane/1.7', region: 'eu' }).ok);
});

test('malformed joins are refused with the field named', () => {
  assert.match(refusal(readJoinRequest('hello')), /join body must be a JSON object/);
  assert.match(refusal(readJoinRequest([join])), /join body must be a JSON object/);
  assert.match(refusal(readJoinRequest({ ...join, name: 'bad name!' })), /name must be 1-63 letters, digits/);
  assert.match(refusal(readJoinRequest({ ...join, name: undefined })), /name must be 1-63 letters/);
  assert.match(refusal(readJoinRequest({ ...join, dataplane_url: 'ftp://x' })), /dataplane_url must be an http\(s\) origin/);
  assert.match(refusal(readJoinRequest({ ...join, dataplane_url: 'http://x/path' })), /dataplane_url must be an http\(s\) origin/);
  assert.match(refusal(readJoinRequest({ ...join, tier: 'moon' })), /tier must be edge, onprem, cloud/);
  assert.match(refusal(readJoinRequest({ ...join, devices: 'cpu' })), /devices must be an array of at most 256/);
  assert.match(refusal(readJoinRequest({ ...join, devices: Array.from({ length: 257 }, () => cpu) })), /at most 256/);
  assert.match(refusal(readJoinRequest({ ...join, devices: [cpu, { id: 'gpu:0', kind: 'gpu', memoryBytes: -1 }] })), /devices\[1\] needs id, kind and memoryBytes/);
  assert.match(refusal(readJoinRequest({ ...join, agent_version: 7 })), /agent_version must be string/);
});

test('malformed heartbeats are refused with the field named', () => {
  assert.match(refusal(readHeartbeat(null)), /heartbeat body must be a JSON object/);
  assert.match(refusal(readHeartbeat({ replicas: [] })), /heartbeat body: draining is missing/);
  assert.match(refusal(readHeartbeat({ ...heartbeat, draining: 'yes' })), /draining must be boolean/);
  assert.match(refusal(readHeartbeat({ ...heartbeat, replicas: {} })), /replicas must be array/);
  assert.match(refusal(readHeartbeat({ ...heartbeat, replicas: [{ replica: 'r', state: 'happy' }] })), /replicas\[0\]\.state must be equal to one of the allowed values/);
  assert.match(refusal(readHeartbeat({ ...heartbeat, replicas: [{ state: 'ready' }] })), /replicas\[0\]\.replica is missing/);
  assert.match(refusal(readHeartbeat({ ...heartbeat, telemetry: 3 })), /telemetry must be object/);
});

test('malformed answers are refused with the field named', () => {
  assert.match(refusal(readJoinAnswer({ node_id: 'n', heartbeat_ms: 1, protocol: DATAPLANE_PROTOCOL })), /join answer: node_secret is missing/);
  assert.match(refusal(readJoinAnswer({ node_id: 'n', node_secret: 's', heartbeat_ms: 0, protocol: DATAPLANE_PROTOCOL })), /heartbeat_ms must be > 0/);
  assert.match(refusal(readJoinAnswer('<html>')), /join answer must be a JSON object/);
  assert.match(refusal(readHeartbeatAnswer({})), /heartbeat answer: assignments is missing/);
  assert.match(refusal(readHeartbeatAnswer({ assignments: [{ replica: 'r', model: 'm', version: '1' }] })), /assignments\[0\]\.digest is missing/);
  assert.match(refusal(readHeartbeatAnswer({ assignments: [{ replica: 'r', model: 'm', version: '1', digest: 'd', source: 's3' }] })), /assignments\[0\]\.source/);
});

test('the version rule: any minor of the same major is accepted, another major is refused', () => {
  assert.deepEqual(checkProtocol('switchyard-dataplane/1.0'), { ok: true, minor: 0 });
  assert.deepEqual(checkProtocol('switchyard-dataplane/1.99'), { ok: true, minor: 99 });
  assert.match(refusal(checkProtocol('switchyard-dataplane/2.0')), /major versions differ/);
  assert.match(refusal(checkProtocol('switchyard-dataplane/0.9')), /major versions differ/);
  assert.match(refusal(checkProtocol(undefined)), /protocol must look like switchyard-dataplane\/<major>\.<minor>/);
  assert.match(refusal(checkProtocol('v1')), /must look like/);
});

test('routes as declared and as called agree', () => {
  assert.equal(controlPath.join(), CONTROL_ROUTES.join);
  assert.equal(controlPath.heartbeat('node-1'), CONTROL_ROUTES.heartbeat.replace(':id', 'node-1'));
  assert.equal(controlPath.leave('node-1'), CONTROL_ROUTES.leave.replace(':id', 'node-1'));
  assert.equal(controlPath.artifact('node-1', 'a b', '2'), '/internal/v1/nodes/node-1/artifacts/a%20b/2');
});

test('bearer tokens and secret digests', () => {
  assert.equal(bearerOf('Bearer abc'), 'abc');
  assert.equal(bearerOf('bearer abc '), 'abc', 'the scheme is case-insensitive');
  assert.equal(bearerOf('Basic abc'), undefined);
  assert.equal(bearerOf('Bearer '), undefined);
  assert.equal(bearerOf(['Bearer a']), undefined);
  assert.equal(bearerOf(undefined), undefined);
  assert.ok(matchesDigest('s3cret', digestOf('s3cret')));
  assert.ok(!matchesDigest('other', digestOf('s3cret')));
  assert.ok(!matchesDigest(undefined, digestOf('s3cret')));
  assert.ok(!matchesDigest('s3cret', undefined));
});
