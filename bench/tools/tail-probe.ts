/**
 * Tail probe: N closed-loop clients (default 1 and 2) against the full server, each request
 * timed; prints p50/p90/p99/p99.9/max per concurrency and the gaps between slow requests, to
 * find periodic work (timers, GC, flushes) behind the tail at low concurrency. For the full server
 * it also prints the server's own time (Server-Timing total): a client-seen tail that the server
 * time lacks is spent outside the server (socket wake-ups, scheduling on the host).
 *
 *   node --import tsx bench/tools/tail-probe.ts [--requests N] [--model M] [--binary]
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'undici';
import { REPO_ROOT, scratchDir, startServer } from '../lib/children.js';
import { percentile } from '../lib/stats.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '6000' }, model: { type: 'string', default: 'sensor-anomaly' }, concurrency: { type: 'string', default: '1,2' }, servers: { type: 'string' } } });
const requests = Number(values.requests);
const model = values.model;
const examples = JSON.parse(readFileSync(resolve(REPO_ROOT, 'models/sensor-anomaly/1/examples.json'), 'utf8')) as { examples: { features: number[] }[] };
const body = model === 'identity'
  ? JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 16], data: Array.from({ length: 16 }, (_, i) => i / 8) }] })
  : JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 8], data: examples.examples[0]!.features }] });

for (const kind of (values.servers ?? 'floor,full').split(',')) {
const server = kind === 'floor' ? await startServer('floor', 'bench/servers/floor.ts', [model], {}) : await startServer('full', 'bench/servers/full.ts', ['--scratch', scratchDir('switchyard-tail-'), model], {});
try {
  for (const concurrency of values.concurrency.split(',').map(Number)) {
    // Server-Timing's total: the server's own time for the request (fastify's start to the answer).
    const samples: { at: number; ms: number; serverMs: number }[] = [];
    const clients = Array.from({ length: concurrency }, () => new Client(server.origin, { pipelining: 1 }));
    const one = async (client: Client): Promise<{ ms: number; serverMs: number }> => {
      const start = process.hrtime.bigint();
      const res = await client.request({ path: `/v2/models/${model}/infer`, method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      const total = /total;dur=([0-9.]+)/.exec(String(res.headers['server-timing']))?.[1];
      return { ms: Number(process.hrtime.bigint() - start) / 1e6, serverMs: total === undefined ? Number.NaN : Number(total) };
    };
    const t0 = performance.now();
    let left = requests + 500;
    await Promise.all(clients.map(async (client) => {
      while (left-- > 0) {
        const { ms, serverMs } = await one(client);
        if (left < requests) samples.push({ at: performance.now() - t0, ms, serverMs });
      }
    }));
    await Promise.all(clients.map((c) => c.close()));
    const ms = samples.map((s) => s.ms);
    const p50 = percentile(ms, 50);
    const p99 = percentile(ms, 99);
    const slow = samples.filter((s) => s.ms > 3 * p50);
    const gaps = slow.slice(1).map((s, i) => s.at - slow[i]!.at);
    const serverTimes = samples.map((s) => s.serverMs).filter((x) => !Number.isNaN(x));
    const serverFigures = serverTimes.length === 0 ? {} : { server_p50: +percentile(serverTimes, 50).toFixed(3), server_p99: +percentile(serverTimes, 99).toFixed(3), slow_server_p50: +percentile(slow.map((s) => s.serverMs), 50).toFixed(3) };
    console.log(JSON.stringify({ server: kind, concurrency, p50: +p50.toFixed(3), p90: +percentile(ms, 90).toFixed(3), p99: +p99.toFixed(3), p999: +percentile(ms, 99.9).toFixed(3), max: +Math.max(...ms).toFixed(3), ratio: +(p99 / p50).toFixed(2), slow: slow.length, slow_gap_p50_ms: gaps.length ? +percentile(gaps, 50).toFixed(1) : null, ...serverFigures, slow_ms: slow.slice(0, 12).map((s) => +s.ms.toFixed(2)) }));
  }
} finally {
  await server.stop();
}
}
