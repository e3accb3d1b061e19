/**
 * A/B probe: server CPU per call for one sensor-anomaly row sent as JSON (JSON outputs) and as
 * binary tensor data (binary outputs, as tritonclient/perf_analyzer send it), alternating
 * rounds against one full server. For finding what the binary path costs; not a benchmark.
 *
 *   node --import tsx bench/tools/binary-probe.ts [--requests N] [--rounds N] [--profile DIR]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'undici';
import { REPO_ROOT, scratchDir, startServer } from '../lib/children.js';
import { median } from '../lib/stats.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '3000' }, rounds: { type: 'string', default: '6' }, profile: { type: 'string' }, concurrency: { type: 'string', default: '4' } } });
const examples = JSON.parse(readFileSync(resolve(REPO_ROOT, 'models/sensor-anomaly/1/examples.json'), 'utf8')) as { examples: { features: number[] }[] };
const row = examples.examples[0]!.features;
const jsonBody = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 8], data: row }] });
const header = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 8], parameters: { binary_data_size: 32 } }], outputs: [{ name: 'anomaly_score', parameters: { binary_data: true } }, { name: 'fault_probabilities', parameters: { binary_data: true } }] });
const binaryBody = Buffer.concat([Buffer.from(header), Buffer.from(new Float32Array(row).buffer)]);
// The two halves apart: JSON in with binary out, and binary in with JSON out.
const jsonInBinaryOut = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 8], data: row }], parameters: { binary_data_output: true } });
const binaryInHeader = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 8], parameters: { binary_data_size: 32 } }] });
const binaryInBody = Buffer.concat([Buffer.from(binaryInHeader), Buffer.from(new Float32Array(row).buffer)]);
const kinds = {
  json: { body: jsonBody, headers: { 'content-type': 'application/json' } },
  binary: { body: binaryBody, headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(Buffer.byteLength(header)) } },
  'binary-out': { body: jsonInBinaryOut, headers: { 'content-type': 'application/json' } },
  'binary-in': { body: binaryInBody, headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(Buffer.byteLength(binaryInHeader)) } },
} as const;
const nodeFlags = values.profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', resolve(values.profile)];
const server = await startServer('full', 'bench/servers/full.ts', ['--scratch', scratchDir('switchyard-binprobe-'), 'sensor-anomaly'], { nodeFlags });
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const perCall: Record<string, number[]> = { json: [], binary: [], 'binary-out': [], 'binary-in': [] };
try {
  const clients = Array.from({ length: concurrency }, () => new Client(server.origin, { pipelining: 1 }));
  const run = async (kind: keyof typeof kinds, count: number): Promise<void> => {
    let left = count;
    await Promise.all(clients.map(async (client) => {
      while (left-- > 0) {
        const res = await client.request({ path: '/v2/models/sensor-anomaly/infer', method: 'POST', headers: kinds[kind].headers, body: kinds[kind].body });
        await res.body.dump();
        if (res.statusCode !== 200) throw new Error(`${kind}: HTTP ${res.statusCode}`);
      }
    }));
  };
  await run('json', 1000);
  await run('binary', 1000);
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const kind of ((process.env.ONLY ? process.env.ONLY.split(',') : r % 2 === 0 ? ['json', 'binary'] : ['binary', 'json']) as (keyof typeof kinds)[])) {
      const before = server.cpuSeconds()!;
      await run(kind, requests);
      perCall[kind]!.push(((server.cpuSeconds()! - before) / requests) * 1e6);
    }
  }
  await Promise.all(clients.map((c) => c.close()));
} finally {
  await server.stop();
}
const out = Object.fromEntries(Object.entries(perCall).filter(([, v]) => v.length > 0).map(([k, v]) => [k, { median_us: Math.round(median(v)), rounds: v.map(Math.round) }]));
console.log(JSON.stringify({ probe: 'binary', ...out, ratio: +(median(perCall.binary!) / median(perCall.json!)).toFixed(3) }));
