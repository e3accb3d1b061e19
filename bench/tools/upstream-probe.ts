/**
 * A/B probe for the upstream path: starts the OIP echo upstream and ONE proxy (floor, fastify
 * reference, or ours) pinned to the second CPU, loads it (32 connections) and prints req/s and
 * proxy CPU per answer. For finding what each part of the path costs; not a benchmark.
 *
 *   node --import tsx bench/tools/upstream-probe.ts floor|fastify|ours [--duration N] [--profile DIR]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { allowedCpus, pinSelf, scratchDir, startServer, threadCpuSeconds } from '../lib/children.js';
import { closedLoop } from '../lib/load.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { duration: { type: 'string' }, profile: { type: 'string' }, rounds: { type: 'string' } } });
const kind = positionals[0] ?? 'ours';
const durationS = Number(values.duration ?? 5);
const rounds = Number(values.rounds ?? 2);
const BODY = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 16], data: Array.from({ length: 16 }, (_, i) => (i - 8) / 8) }] });
const PATH = '/v2/models/identity/infer';
const cpus = allowedCpus() ?? [];
const side = cpus[0];
const proxyCpu = cpus[1];
if (side !== undefined) pinSelf(side);
const nodeFlags = [...(values.profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', resolve(values.profile)]), ...(process.env.PROBE_FLAGS ? process.env.PROBE_FLAGS.split(' ') : [])];
const upstream = await startServer('upstream', 'bench/servers/oip-echo.ts', [], { cpu: side });
let proxy;
if (kind === 'floor') proxy = await startServer('floor', 'bench/servers/proxy-floor.ts', [upstream.origin], { cpu: proxyCpu, nodeFlags });
else if (kind === 'fastify') proxy = await startServer('fastify', 'bench/servers/proxy-fastify.ts', [upstream.origin], { cpu: proxyCpu, nodeFlags });
else {
  const scratch = scratchDir('switchyard-probe-');
  const version = join(scratch, 'models', 'identity', '1');
  mkdirSync(version, { recursive: true });
  writeFileSync(join(version, 'model.yaml'), `backend: upstream\nupstream:\n  protocol: oip\n  url: ${upstream.origin}\n  connections: 32\nmax_batch_size: 1024\ninputs:\n  - { name: input, datatype: FP32, shape: [-1, -1], batch_axis: 0 }\noutputs:\n  - { name: output, datatype: FP32, shape: [-1, -1], batch_axis: 0 }\n`);
  proxy = await startServer('ours', 'bench/servers/full.ts', ['--scratch', scratch, '--repository', join(scratch, 'models'), 'identity'], { cpu: proxyCpu, nodeFlags });
}
try {
  for (let r = 0; r < rounds; r++) {
    const snaps: { us: number; sys: number; threads: Map<number, number> }[] = [];
    const snap = (): number | undefined => {
      const pid = proxy.pid!;
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
      snaps.push({ us: Number(fields[11]) / 100, sys: Number(fields[12]) / 100, threads: threadCpuSeconds(pid) ?? new Map<number, number>() });
      return proxy.cpuSeconds();
    };
    const result = await closedLoop({ origin: proxy.origin, path: PATH, body: BODY }, { connections: 32, durationS, warmupS: 2, serverCpuSeconds: snap });
    const cpuMs = result.serverCpu === undefined ? NaN : (result.serverCpu / result.rps) * 1000;
    const [a, b] = snaps.slice(-2) as [typeof snaps[0], typeof snaps[0]];
    const n = result.rps * durationS;
    const per = (x: number): string => ((x / n) * 1e6).toFixed(0);
    const threads = [...b.threads].map(([tid, t]) => [tid, t - (a.threads.get(tid) ?? 0)] as const).filter(([, t]) => t > 0.01).map(([tid, t]) => `${tid}:${per(t)}`).join(' ');
    console.log(`${kind} ${result.rps.toFixed(0)} req/s  p50 ${result.p50Ms.toFixed(2)} ms  cpu/answer ${cpuMs.toFixed(4)} ms  user ${per(b.us - a.us)} us sys ${per(b.sys - a.sys)} us  threads ${threads}`);
  }
} finally {
  await proxy.stop();
  await upstream.stop();
}
