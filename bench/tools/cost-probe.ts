/**
 * Server CPU per request for the overload benchmark's model, by kind of answer: served, and
 * refused at admission (a deadline nothing can meet). Ad-hoc profiling aid, not a benchmark.
 *
 *   node --import tsx bench/tools/cost-probe.ts [--seconds N] [--connections N]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { scratchDir, startServer } from '../lib/children.js';
import { buildMlp, INPUT_NAME, mlpRowModel, writeModelVersion } from '../batching/model.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, connections: { type: 'string' }, profile: { type: 'string' }, 'isolate-main': { type: 'boolean', default: false } } });
const seconds = Number(values.seconds ?? 4);
const connections = Number(values.connections ?? 16);
const MODEL = 'mlp-overload';
const WIDTHS = [512, 2048, 2048, 512];
const root = scratchDir('switchyard-probe-');
const spec = { widths: WIDTHS, seed: 7 };
writeModelVersion(join(root, 'models'), MODEL, mlpRowModel(spec), buildMlp(spec), { maxBatchSize: 1, latencyClass: 'realtime', policy: 'adaptive', maxQueueDelayMs: { realtime: 0, throughput: 0 }, intraOpThreads: 1 });
const row = Array.from({ length: WIDTHS[0]! }, (_, i) => Math.sin(i));
const body = JSON.stringify({ inputs: [{ name: INPUT_NAME, datatype: 'FP32', shape: [1, WIDTHS[0]], data: row }] });
const server = await startServer('probe', 'bench/servers/full.ts', ['--scratch', join(root, 'server'), '--repository', join(root, 'models'), MODEL], { nodeFlags: values.profile ? ['--cpu-prof', '--cpu-prof-dir', values.profile] : [] });
/** CPU seconds per thread of the server, by thread id and name, from /proc. */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  const dir = `/proc/${server.pid}/task`;
  for (const tid of readdirSync(dir)) {
    try {
      const stat = readFileSync(`${dir}/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(`${tid} ${name} user`, Number(fields[11]) / 100);
      out.set(`${tid} ${name} sys`, Number(fields[12]) / 100);
    } catch {
      // The thread ended.
    }
  }
  return out;
}

// --isolate-main: the server's event loop alone on CPU 1, everything else (its other threads, this
// process and autocannon) on CPU 0, so a --profile of the main thread samples CPU time, not waiting.
if (values['isolate-main'] === true) {
  for (const tid of readdirSync(`/proc/${server.pid}/task`)) spawnSync('taskset', ['-p', '-c', tid === String(server.pid) ? '1' : '0', tid]);
  spawnSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)]);
}

async function load(name: string, headers: Record<string, string>): Promise<void> {
  const before = server.cpuSeconds() ?? 0;
  const threadsBefore = threadCpu();
  const counts: Record<number, number> = {};
  const instance = autocannon({ url: `${server.origin}/v2/models/${MODEL}/infer`, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, connections, duration: seconds });
  instance.on('response', (_c: unknown, status: number) => void (counts[status] = (counts[status] ?? 0) + 1));
  const result = await instance;
  const cpu = (server.cpuSeconds() ?? 0) - before;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const threads = [...threadCpu()].map(([k, v]) => [k, v - (threadsBefore.get(k) ?? 0)] as const).filter(([, v]) => v > 0.02);
  console.log(`   per thread, ms per request: ${threads.map(([k, v]) => `${k} ${((v / total) * 1000).toFixed(3)}`).join(', ')}`);
  console.log(`${name.padEnd(10)} ${(total / seconds).toFixed(0).padStart(6)} req/s  server cpu ${(cpu / seconds * 100).toFixed(0)}%  ${(cpu / total * 1000).toFixed(3)} ms/request  ${JSON.stringify(counts)} p99 ${result.latency.p99} ms`);
}
const only = process.env.PROBE_ONLY;
if (only === 'served') await load('served', { 'x-switchyard-priority': 'standard' });
else if (only !== 'refused') {
  await load('warm', { 'x-switchyard-priority': 'standard' });
  await load('served', { 'x-switchyard-priority': 'standard' });
}
if (only !== 'served') await load('refused', { 'x-switchyard-priority': 'sheddable', 'x-switchyard-deadline-ms': '1' });
await server.stop();
process.exit(0);
