/**
 * Serving overhead: the full Switchyard server against a floor (node:http + the same ONNX
 * model run on the main thread, nothing else), per model, same request body, same load.
 *
 *   npm run bench -- overhead [--duration N] [--quick] [--rounds N] [--requests N]
 *                             [--no-pin] [--profile DIR]   (DIR/floor, DIR/full: --cpu-prof output)
 *
 * Loaded: autocannon, closed loop, 32 connections, a warm-up before each measured run, floor
 * and full alternating for several rounds; medians are reported. Unloaded: sequential
 * requests on one connection, floor and full interleaved; p50 and p99 of each. The servers run as
 * child processes; with taskset they share one CPU and the load generator gets another.
 * The last stdout line is one JSON object (see bench/README.md).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { allowedCpus, pinSelf, REPO_ROOT, scratchDir, startServer, type ServerChild } from './lib/children.js';
import { closedLoop, fetchJson, interleavedSequential, type LoadedResult, type Target } from './lib/load.js';
import { median, percentile, round } from './lib/stats.js';
import { positiveIntegerFlag } from './lib/flags.js';

const CONNECTIONS = 32;
const MODELS = ['identity', 'sensor-anomaly'] as const;
type ModelName = (typeof MODELS)[number];

interface Settings {
  durationS: number;
  warmupS: number;
  rounds: number;
  requests: number;
  pin: boolean;
  profileDir: string | undefined;
}

function parseSettings(args: readonly string[]): Settings {
  const { values } = parseArgs({
    args: [...args],
    options: {
      duration: { type: 'string' },
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      requests: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      profile: { type: 'string' },
    },
    strict: true,
  });
  const positive = positiveIntegerFlag;
  const quick = values.quick === true;
  const durationS = positive('duration', values.duration, quick ? 3 : 10);
  const rounds = positive('rounds', values.rounds, quick ? 2 : 3);
  if (rounds < 2) throw new Error('--rounds must be at least 2 (floor and full alternate; the median needs both)');
  return {
    durationS,
    warmupS: durationS < 5 ? 1 : 2,
    rounds,
    requests: positive('requests', values.requests, quick ? 300 : 2000),
    pin: values['no-pin'] !== true,
    profileDir: values.profile === undefined ? undefined : resolve(values.profile),
  };
}

/** The same request body for both servers: identity gets a [1,16] FP32 ramp, sensor-anomaly one example row. */
function requestBody(model: ModelName): string {
  if (model === 'identity') {
    const data = Array.from({ length: 16 }, (_, i) => (i - 8) / 8);
    return JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 16], data }] });
  }
  const examples = JSON.parse(readFileSync(resolve(REPO_ROOT, 'models/sensor-anomaly/1/examples.json'), 'utf8')) as { examples: { features: number[] }[] };
  const row = examples.examples[0]?.features;
  if (!row || row.length !== 8) throw new Error('models/sensor-anomaly/1/examples.json has no 8-feature example row');
  return JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 8], data: row }] });
}

function target(server: ServerChild, model: ModelName, body: string): Target {
  return { origin: server.origin, path: `/v2/models/${model}/infer`, body };
}

interface OutputTensor {
  name: string;
  data: number[];
}

/** Both servers must compute the same outputs for the same body, or the comparison is void. */
async function checkAgreement(floor: Target, full: Target, model: ModelName): Promise<void> {
  const [a, b] = (await Promise.all([fetchJson(floor), fetchJson(full)])) as { outputs?: OutputTensor[] }[];
  const byName = new Map((b?.outputs ?? []).map((o) => [o.name, o.data]));
  const floorOutputs = a?.outputs ?? [];
  if (floorOutputs.length === 0 || floorOutputs.length !== byName.size) {
    throw new Error(`${model}: floor answered ${floorOutputs.length} outputs, full ${byName.size}`);
  }
  for (const output of floorOutputs) {
    const other = byName.get(output.name);
    const same = other?.length === output.data.length && output.data.every((v, i) => Math.abs(v - other[i]!) <= 1e-6 * Math.max(1, Math.abs(v)));
    if (!same) throw new Error(`${model}: floor and full disagree on output '${output.name}'`);
  }
}

interface ModelReport {
  ratio: number;
  floor_rps: number;
  full_rps: number;
  floor_p50_ms: number;
  full_p50_ms: number;
  floor_p99_ms: number;
  full_p99_ms: number;
  unloaded_floor_p50_ms: number;
  unloaded_full_p50_ms: number;
  unloaded_floor_p99_ms: number;
  unloaded_full_p99_ms: number;
  added_p50_ms: number;
  /** Unloaded p99 / p50 of the full server: how heavy its tail is when nothing queues. */
  unloaded_full_tail_ratio: number;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

const fmt = (value: number, digits: number): string => value.toFixed(digits);

function printTable(settings: Settings, placement: string, runs: Map<ModelName, { floor: LoadedResult[]; full: LoadedResult[] }>, reports: Map<ModelName, ModelReport>, ratio: number, added: number): void {
  const out: string[] = [];
  out.push('');
  out.push('Serving overhead: full Switchyard server vs floor (node:http + ORT session.run on the main thread)');
  out.push(`loaded: ${CONNECTIONS} connections, closed loop, ${settings.durationS} s per run after ${settings.warmupS} s warm-up, ${settings.rounds} rounds of floor then full, medians`);
  out.push(`unloaded: ${settings.requests} sequential requests per server on one connection, floor and full interleaved`);
  out.push(placement);
  out.push('');
  const header = ['model', 'server', 'req/s', 'p50 ms', 'p99 ms', 'cpu srv/gen', 'unloaded p50 ms', 'unloaded p99 ms', 'req/s per round'];
  const cpu = (results: LoadedResult[]): string => {
    const server = results.map((x) => x.serverCpu).filter((x) => x !== undefined);
    return `${server.length > 0 ? fmt(median(server) * 100, 0) : '?'}%/${fmt(median(results.map((x) => x.loaderCpu)) * 100, 0)}%`;
  };
  const rows: string[][] = [header];
  for (const model of MODELS) {
    const r = reports.get(model)!;
    const perRound = runs.get(model)!;
    rows.push([model, 'floor', fmt(r.floor_rps, 0), fmt(r.floor_p50_ms, 3), fmt(r.floor_p99_ms, 3), cpu(perRound.floor), fmt(r.unloaded_floor_p50_ms, 3), fmt(r.unloaded_floor_p99_ms, 3), perRound.floor.map((x) => fmt(x.rps, 0)).join(' ')]);
    rows.push(['', 'full', fmt(r.full_rps, 0), fmt(r.full_p50_ms, 3), fmt(r.full_p99_ms, 3), cpu(perRound.full), fmt(r.unloaded_full_p50_ms, 3), fmt(r.unloaded_full_p99_ms, 3), perRound.full.map((x) => fmt(x.rps, 0)).join(' ')]);
    const roundRatios = perRound.full.map((x, i) => fmt(x.rps / perRound.floor[i]!.rps, 3)).join(' ');
    rows.push(['', 'full/floor', fmt(r.ratio, 3), `x${fmt(r.full_p50_ms / r.floor_p50_ms, 2)}`, `x${fmt(r.full_p99_ms / r.floor_p99_ms, 2)}`, '', `+${fmt(r.added_p50_ms, 3)}`, `x${fmt(r.unloaded_full_p99_ms / r.unloaded_floor_p99_ms, 2)}`, roundRatios]);
  }
  const widths = header.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  for (const [i, row] of rows.entries()) {
    out.push(row.map((cell, c) => (c < 2 || c === row.length - 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd());
    if (i === 0) out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  out.push('');
  out.push(`ratio (min over models of full req/s / floor req/s): ${fmt(ratio, 3)}   target >= 0.8: ${ratio >= 0.8 ? 'met' : 'NOT met'}`);
  out.push(`added_p50_ms (max over models, unloaded full p50 - floor p50): ${fmt(added, 3)}   target <= 0.1: ${added <= 0.1 ? 'met' : 'NOT met'}`);
  out.push('(ratio per model is the median of the per-round ratios, each round pairing adjacent floor and full runs;');
  out.push(' cpu srv/gen: CPU time / wall time of the server process and of the load generator, 100% = one core)');
  process.stdout.write(`${out.join('\n')}\n`);
}

export async function main(args: readonly string[]): Promise<number> {
  const settings = parseSettings(args);

  let serverCpu: number | undefined;
  let placement = 'placement: not pinned (--no-pin)';
  if (settings.pin) {
    const cpus = allowedCpus();
    if (cpus === undefined) placement = 'placement: not pinned (taskset unavailable); expect more noise';
    else if (cpus.length < 2) placement = `placement: not pinned (only CPU ${cpus.join(',')} allowed); expect more noise`;
    else {
      pinSelf(cpus[0]!);
      serverCpu = cpus[1]!;
      placement = `placement: server under test on CPU ${serverCpu} (all its threads), load generator on CPU ${cpus[0]!} (taskset)`;
    }
  }

  const servers: ServerChild[] = [];
  try {
    log(`overhead: starting floor and full servers (${MODELS.join(', ')})`);
    const profile = (kind: string): string[] => (settings.profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', join(settings.profileDir, kind)]);
    const floor = await startServer('floor', 'bench/servers/floor.ts', MODELS, { cpu: serverCpu, nodeFlags: profile('floor') });
    servers.push(floor);
    const fullArgs = ['--scratch', scratchDir('switchyard-bench-'), ...MODELS];
    const full = await startServer('full', 'bench/servers/full.ts', fullArgs, { cpu: serverCpu, nodeFlags: profile('full') });
    servers.push(full);

    const targets = new Map(
      MODELS.map((model) => {
        const body = requestBody(model);
        return [model, { floor: target(floor, model, body), full: target(full, model, body) }] as const;
      }),
    );
    for (const model of MODELS) await checkAgreement(targets.get(model)!.floor, targets.get(model)!.full, model);

    const runs = new Map(MODELS.map((m) => [m, { floor: [] as LoadedResult[], full: [] as LoadedResult[] }]));
    const load = { connections: CONNECTIONS, durationS: settings.durationS, warmupS: settings.warmupS };
    for (let round = 1; round <= settings.rounds; round++) {
      for (const model of MODELS) {
        for (const kind of ['floor', 'full'] as const) {
          const server = kind === 'floor' ? floor : full;
          const result = await closedLoop(targets.get(model)![kind], { ...load, serverCpuSeconds: () => server.cpuSeconds() });
          runs.get(model)![kind].push(result);
          const cpu = `cpu: server ${result.serverCpu === undefined ? '?' : fmt(result.serverCpu * 100, 0)}%, loader ${fmt(result.loaderCpu * 100, 0)}%`;
          log(`  round ${round}/${settings.rounds} ${model.padEnd(14)} ${kind.padEnd(5)} ${fmt(result.rps, 0).padStart(6)} req/s  p50 ${fmt(result.p50Ms, 3)} ms  p99 ${fmt(result.p99Ms, 3)} ms  (${cpu})`);
        }
      }
    }

    const unloaded = new Map<ModelName, { floor: number; full: number; floorP99: number; fullP99: number }>();
    for (const model of MODELS) {
      const t = targets.get(model)!;
      const [floorMs, fullMs] = await interleavedSequential([t.floor, t.full], { requests: settings.requests, warmup: Math.min(200, settings.requests) });
      const quiet = { floor: percentile(floorMs!, 50), full: percentile(fullMs!, 50), floorP99: percentile(floorMs!, 99), fullP99: percentile(fullMs!, 99) };
      unloaded.set(model, quiet);
      log(`  unloaded ${model.padEnd(14)} floor p50 ${fmt(quiet.floor, 3)} p99 ${fmt(quiet.floorP99, 3)} ms  full p50 ${fmt(quiet.full, 3)} p99 ${fmt(quiet.fullP99, 3)} ms`);
    }

    const reports = new Map<ModelName, ModelReport>();
    for (const model of MODELS) {
      const { floor: f, full: u } = runs.get(model)!;
      const quiet = unloaded.get(model)!;
      reports.set(model, {
        ratio: round(median(u.map((x, i) => x.rps / f[i]!.rps)), 3),
        floor_rps: round(median(f.map((x) => x.rps)), 1),
        full_rps: round(median(u.map((x) => x.rps)), 1),
        floor_p50_ms: round(median(f.map((x) => x.p50Ms)), 3),
        full_p50_ms: round(median(u.map((x) => x.p50Ms)), 3),
        floor_p99_ms: round(median(f.map((x) => x.p99Ms)), 3),
        full_p99_ms: round(median(u.map((x) => x.p99Ms)), 3),
        unloaded_floor_p50_ms: round(quiet.floor, 3),
        unloaded_full_p50_ms: round(quiet.full, 3),
        unloaded_floor_p99_ms: round(quiet.floorP99, 3),
        unloaded_full_p99_ms: round(quiet.fullP99, 3),
        added_p50_ms: round(quiet.full - quiet.floor, 3),
        unloaded_full_tail_ratio: round(quiet.fullP99 / quiet.full, 2),
      });
    }
    const ratio = Math.min(...[...reports.values()].map((r) => r.ratio));
    const added = Math.max(...[...reports.values()].map((r) => r.added_p50_ms));

    // Stop the servers before the summary so a --cpu-prof profile is on disk when we say so.
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    if (settings.profileDir !== undefined) {
      log(`overhead: CPU profiles written to ${join(settings.profileDir, 'floor')} and ${join(settings.profileDir, 'full')} (one file per thread)`);
      log(`          summarise with: node --import tsx bench/tools/cpuprofile-top.ts ${settings.profileDir}/full`);
    }

    printTable(settings, placement, runs, reports, ratio, added);
    const summary = {
      bench: 'overhead',
      ratio,
      added_p50_ms: added,
      models: Object.fromEntries(reports),
      connections: CONNECTIONS,
      duration_s: settings.durationS,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
