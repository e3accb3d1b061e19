/**
 * Summarises V8 .cpuprofile files (from `node --cpu-prof`, e.g. `overhead --profile DIR`):
 * the top functions by self time, per file, and grouped by package or source folder.
 *
 *   node --import tsx bench/tools/cpuprofile-top.ts DIR_OR_FILE... [--top N] [--requests N] [--skip S]
 *
 * With --requests (how many requests the profiled process served), times are also shown as
 * microseconds per request. Sample times are wall time while the thread was not idle, so a
 * thread that shares a CPU with another is also charged for the time it waited preempted.
 * --skip S leaves out the first S seconds of each profile (start-up: module loading, JIT).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function where(url: string): string {
  if (url === '') return '(native)';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return `npm:${pkg[1]}`;
  if (path.startsWith('node:')) return path;
  if (path.startsWith(ROOT)) return relative(ROOT, path);
  return path;
}

function group(url: string): string {
  const w = where(url);
  if (w.startsWith('npm:') || w.startsWith('node:') || w.startsWith('(')) return w;
  return w.split('/').slice(0, 2).join('/');
}

function summarise(file: string, top: number, requests: number | undefined, skipUs: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const groups = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let clock = 0;
  for (const [i, id] of profile.samples.entries()) {
    const us = profile.timeDeltas[i] ?? 0;
    clock += us;
    if (clock < skipUs) continue;
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    total += us;
    if (frame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const key = `${frame.functionName || '(anonymous)'}  ${where(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + us);
    const g = frame.url === '' ? frame.functionName : group(frame.url);
    groups.set(g, (groups.get(g) ?? 0) + us);
  }
  const busy = total - idle;
  const perRequest = (us: number): string => (requests === undefined ? '' : `  ${(us / requests).toFixed(1).padStart(6)} us/req`);
  const pct = (us: number): string => `${((100 * us) / busy).toFixed(1).padStart(5)}%${perRequest(us)}`;
  process.stdout.write(`\n${file}\n  sampled ${(total / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s${perRequest(busy)} (percentages are of busy time)\n`);
  process.stdout.write('  top self time:\n');
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`    ${pct(us)}  ${key}\n`);
  process.stdout.write('  by package / folder:\n');
  for (const [key, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`    ${pct(us)}  ${key}\n`);
}

const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' }, requests: { type: 'string' }, skip: { type: 'string', default: '0' } }, allowPositionals: true });
const requests = values.requests === undefined ? undefined : Number(values.requests);
const files = positionals.flatMap((p) =>
  statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith('.cpuprofile')).sort().map((f) => join(p, f)) : [p],
);
if (files.length === 0) {
  process.stderr.write('usage: cpuprofile-top.ts DIR_OR_FILE... [--top N]\n');
  process.exitCode = 2;
}
for (const file of files) summarise(file, Number(values.top), requests, Number(values.skip) * 1e6);
