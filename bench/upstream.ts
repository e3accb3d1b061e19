/**
 * Fronting an upstream OIP server: Switchyard (an `upstream` model version: fastify, contract
 * validation, the scheduler's routing, Prometheus metrics, per-call metadata headers and
 * parameters) against a plain node:http reverse proxy (the floor), both in front of the same
 * minimal OIP identity server, same body, same load.
 *
 *   npm run bench -- upstream [--duration N] [--quick] [--rounds N] [--no-pin] [--profile DIR]
 *   (--profile: Switchyard runs under node --cpu-prof, its profiles land in DIR)
 *
 * Loaded: autocannon, closed loop, 32 connections over loopback, floor and ours alternating for
 * several rounds, medians reported. The proxies run as child processes; with taskset the proxy
 * under test gets one CPU and the load generator and the upstream share another.
 * The last stdout line is one JSON object (see bench/README.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { allowedCpus, pinSelf, scratchDir, startServer, type ServerChild } from './lib/children.js';
import { closedLoop, fetchJson, type LoadedResult, type Target } from './lib/load.js';
import { median, round } from './lib/stats.js';
import { positiveIntegerFlag } from './lib/flags.js';

const CONNECTIONS = 32;
const BODY = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 16], data: Array.from({ length: 16 }, (_, i) => (i - 8) / 8) }] });
const PATH = '/v2/models/identity/infer';

interface Settings {
  durationS: number;
  warmupS: number;
  /** Unmeasured load each proxy serves before the rounds (the JIT). */
  jitS: number;
  rounds: number;
  pin: boolean;
  profileDir: string | undefined;
}

function parseSettings(args: readonly string[]): Settings {
  const { values } = parseArgs({
    args: [...args],
    options: { duration: { type: 'string' }, quick: { type: 'boolean', default: false }, rounds: { type: 'string' }, 'no-pin': { type: 'boolean', default: false }, profile: { type: 'string' } },
    strict: true,
  });
  const positive = positiveIntegerFlag;
  const quick = values.quick === true;
  const durationS = positive('duration', values.duration, quick ? 3 : 10);
  const rounds = positive('rounds', values.rounds, quick ? 2 : 5);
  if (rounds < 2) throw new Error('--rounds must be at least 2');
  return { durationS, warmupS: durationS < 5 ? 1 : 2, jitS: quick ? 3 : 8, rounds, pin: values['no-pin'] !== true, profileDir: values.profile === undefined ? undefined : resolve(values.profile) };
}

/** The repository of the Switchyard under test: one `upstream` version fronting the echo server as `identity`. */
function upstreamRepository(dir: string, upstreamOrigin: string): string {
  const version = join(dir, 'models', 'identity', '1');
  mkdirSync(version, { recursive: true });
  writeFileSync(
    join(version, 'model.yaml'),
    `description: the benchmark's OIP echo server, fronted
backend: upstream
upstream:
  protocol: oip
  url: ${upstreamOrigin}
  connections: ${CONNECTIONS}
max_batch_size: 1024
inputs:
  - { name: input, datatype: FP32, shape: [-1, -1], batch_axis: 0 }
outputs:
  - { name: output, datatype: FP32, shape: [-1, -1], batch_axis: 0 }
`,
  );
  return join(dir, 'models');
}

async function checkAgreement(floor: Target, ours: Target): Promise<void> {
  const [a, b] = (await Promise.all([fetchJson(floor), fetchJson(ours)])) as { outputs?: { data: number[] }[] }[];
  const x = a?.outputs?.[0]?.data ?? [];
  const y = b?.outputs?.[0]?.data ?? [];
  if (x.length !== 16 || x.length !== y.length || x.some((v, i) => Math.abs(v - y[i]!) > 1e-6)) throw new Error('floor and ours disagree on the output');
}

const fmt = (value: number, digits: number): string => value.toFixed(digits);
const log = (line: string): void => void process.stderr.write(`${line}\n`);

export async function main(args: readonly string[]): Promise<number> {
  const settings = parseSettings(args);
  let proxyCpu: number | undefined;
  let sideCpu: number | undefined;
  let placement = 'placement: not pinned (--no-pin)';
  if (settings.pin) {
    const cpus = allowedCpus();
    if (cpus === undefined) placement = 'placement: not pinned (taskset unavailable); expect more noise';
    else if (cpus.length < 2) placement = `placement: not pinned (only CPU ${cpus.join(',')} allowed); expect more noise`;
    else {
      sideCpu = cpus[0]!;
      proxyCpu = cpus[1]!;
      pinSelf(sideCpu);
      placement = `placement: proxy under test on CPU ${proxyCpu} (all its threads); load generator and upstream on CPU ${sideCpu} (taskset)`;
    }
  }
  const servers: ServerChild[] = [];
  try {
    log('upstream: starting the OIP echo upstream, the node:http proxy (floor) and Switchyard (ours)');
    const upstream = await startServer('upstream', 'bench/servers/oip-echo.ts', [], { cpu: sideCpu });
    servers.push(upstream);
    const floor = await startServer('floor', 'bench/servers/proxy-floor.ts', [upstream.origin], { cpu: proxyCpu });
    servers.push(floor);
    const scratch = scratchDir('switchyard-bench-upstream-');
    const ours = await startServer('ours', 'bench/servers/full.ts', ['--scratch', scratch, '--repository', upstreamRepository(scratch, upstream.origin), 'identity'], { cpu: proxyCpu, nodeFlags: settings.profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', settings.profileDir] });
    servers.push(ours);

    // What the framework and client alone cost (fastify parsing and answering JSON, undici
    // forwarding), measured once: the part of the floor's gap that no feature of ours adds.
    const bare = await startServer('fastify', 'bench/servers/proxy-fastify.ts', [upstream.origin], { cpu: proxyCpu });
    servers.push(bare);
    const framework = await closedLoop({ origin: bare.origin, path: PATH, body: BODY }, { connections: CONNECTIONS, durationS: settings.durationS, warmupS: settings.warmupS, serverCpuSeconds: () => bare.cpuSeconds() });
    log(`  reference fastify+undici ${fmt(framework.rps, 0).padStart(6)} req/s  p50 ${fmt(framework.p50Ms, 3)} ms  p99 ${fmt(framework.p99Ms, 3)} ms`);
    await bare.stop();
    servers.splice(servers.indexOf(bare), 1);
    const targets = { floor: { origin: floor.origin, path: PATH, body: BODY }, ours: { origin: ours.origin, path: PATH, body: BODY } };
    await checkAgreement(targets.floor, targets.ours);
    // Each proxy first serves the same load unmeasured for a while: V8 keeps optimising the
    // request path for several seconds, and a cold first round read 20-30% low.
    for (const kind of ['floor', 'ours'] as const) await closedLoop(targets[kind], { connections: CONNECTIONS, durationS: settings.jitS, warmupS: 1 });
    const runs = { floor: [] as LoadedResult[], ours: [] as LoadedResult[] };
    for (let r = 1; r <= settings.rounds; r++) {
      for (const kind of ['floor', 'ours'] as const) {
        const server = kind === 'floor' ? floor : ours;
        const result = await closedLoop(targets[kind], { connections: CONNECTIONS, durationS: settings.durationS, warmupS: settings.warmupS, serverCpuSeconds: () => server.cpuSeconds() });
        runs[kind].push(result);
        log(`  round ${r}/${settings.rounds} ${kind.padEnd(5)} ${fmt(result.rps, 0).padStart(6)} req/s  p50 ${fmt(result.p50Ms, 3)} ms  p99 ${fmt(result.p99Ms, 3)} ms  (cpu: proxy ${result.serverCpu === undefined ? '?' : fmt(result.serverCpu * 100, 0)}%)`);
      }
    }
    await Promise.all(servers.splice(0).map((s) => s.stop()));

    const ratios = runs.ours.map((x, i) => x.rps / runs.floor[i]!.rps);
    // CPU per answer of the proxy under test: robust to a busy machine, where req/s is not.
    const cpuMs = (list: LoadedResult[]): number | undefined => {
      const per = list.flatMap((x) => (x.serverCpu === undefined || x.rps === 0 ? [] : [(x.serverCpu / x.rps) * 1000]));
      return per.length === 0 ? undefined : round(median(per), 4);
    };
    const floorCpu = cpuMs(runs.floor);
    const oursCpu = cpuMs(runs.ours);
    const ratio = round(median(ratios), 3);
    const summary = {
      bench: 'upstream',
      ratio,
      floor_rps: round(median(runs.floor.map((x) => x.rps)), 1),
      ours_rps: round(median(runs.ours.map((x) => x.rps)), 1),
      floor_p50_ms: round(median(runs.floor.map((x) => x.p50Ms)), 3),
      ours_p50_ms: round(median(runs.ours.map((x) => x.p50Ms)), 3),
      floor_p99_ms: round(median(runs.floor.map((x) => x.p99Ms)), 3),
      ours_p99_ms: round(median(runs.ours.map((x) => x.p99Ms)), 3),
      round_ratios: ratios.map((x) => round(x, 3)),
      floor_cpu_ms_per_req: floorCpu ?? null,
      ours_cpu_ms_per_req: oursCpu ?? null,
      cpu_ratio: floorCpu === undefined || oursCpu === undefined ? null : round(floorCpu / oursCpu, 3),
      framework_rps: round(framework.rps, 1),
      framework_cpu_ms_per_req: framework.serverCpu === undefined || framework.rps === 0 ? null : round((framework.serverCpu / framework.rps) * 1000, 4),
      connections: CONNECTIONS,
      duration_s: settings.durationS,
      rounds: settings.rounds,
    };
    const out = [
      '',
      'Fronting an upstream OIP server: Switchyard (upstream backend) vs a node:http reverse proxy (floor)',
      `loaded: ${CONNECTIONS} connections, closed loop, ${settings.durationS} s per run after ${settings.warmupS} s warm-up, ${settings.rounds} rounds of floor then ours, medians`,
      placement,
      '',
      `server      req/s    p50 ms    p99 ms  req/s per round`,
      `floor  ${fmt(summary.floor_rps, 0).padStart(10)}  ${fmt(summary.floor_p50_ms, 3).padStart(8)}  ${fmt(summary.floor_p99_ms, 3).padStart(8)}  ${runs.floor.map((x) => fmt(x.rps, 0)).join(' ')}`,
      `ours   ${fmt(summary.ours_rps, 0).padStart(10)}  ${fmt(summary.ours_p50_ms, 3).padStart(8)}  ${fmt(summary.ours_p99_ms, 3).padStart(8)}  ${runs.ours.map((x) => fmt(x.rps, 0)).join(' ')}`,
      '',
      `ratio (median of per-round ours req/s / floor req/s): ${fmt(ratio, 3)}   target >= 0.7: ${ratio >= 0.7 ? 'met' : 'NOT met'}`,
      `proxy CPU per answer: floor ${floorCpu ?? '?'} ms, ours ${oursCpu ?? '?'} ms (cpu_ratio floor/ours ${summary.cpu_ratio ?? '?'}: what the req/s ratio would be with the proxy CPU-bound)`,
      `reference, fastify parsing and answering JSON over an undici pool with no feature of ours: ${fmt(summary.framework_rps, 0)} req/s (${fmt(summary.framework_rps / summary.floor_rps, 3)} of the floor), ${summary.framework_cpu_ms_per_req ?? '?'} ms CPU per answer`,
    ];
    process.stdout.write(`${out.join('\n')}\n${JSON.stringify(summary)}\n`);
    return 0;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
