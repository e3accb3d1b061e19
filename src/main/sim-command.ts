/**
 * `switchyard sim`: runs the discrete-event simulator (src/sim) — the real scheduler on a
 * virtual clock — over a cluster spec and a workload, for one policy or all of them, and
 * prints a table (or --json), optionally an SVG chart.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { runExperiment } from '../sim/experiment.js';
import { isPolicyName, POLICY_NAMES, type PolicyName } from '../sim/policies.js';
import { Progress } from '../sim/progress.js';
import { refusalSummary, resultJson, resultTable } from '../sim/report.js';
import { loadClusterSpec } from '../sim/spec.js';
import { cdfPoints, renderChart } from '../sim/svg.js';
import { TraceError } from '../sim/trace.js';
import { SpecError } from '../sim/validate.js';
import { parseWorkload } from '../sim/workload.js';

interface SimFlags {
  cluster: string;
  workload: string;
  rate: string;
  requests: string;
  policy: string;
  seed: string;
  jitter: string;
  goodput?: boolean;
  target: string;
  seeds: string;
  window: string;
  warmup: string;
  json?: boolean;
  svg?: string;
}

class UsageError extends Error {}

function positive(flag: string, raw: string, integer: boolean): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new UsageError(`--${flag} must be a positive ${integer ? 'integer' : 'number'}, got '${raw}'`);
  return n;
}

const SWEEP_MULTIPLES = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4];

function run(flags: SimFlags): number {
  const rate = positive('rate', flags.rate, false);
  const requests = positive('requests', flags.requests, true);
  const seed = Number(flags.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got '${flags.seed}'`);
  const jitter = Number(flags.jitter);
  if (!(jitter >= 0 && jitter <= 1)) throw new UsageError(`--jitter must be between 0 and 1, got '${flags.jitter}'`);
  const targets = flags.target.split(',').map((t) => Number(t.trim()));
  if (!targets.every((t) => t > 0 && t <= 1)) throw new UsageError(`--target must be one or more fractions in (0, 1], comma-separated, got '${flags.target}'`);
  const target = targets[0]!;
  const seedCount = positive('seeds', flags.seeds, true);
  const windowS = positive('window', flags.window, false);
  const warmupS = Number(flags.warmup);
  if (!(warmupS >= 0)) throw new UsageError(`--warmup must be a number of seconds >= 0, got '${flags.warmup}'`);
  // Goodput and the sweep repeat over seeds from --seed on, each run a warm-up and a fixed window.
  const seeds = Array.from({ length: seedCount }, (_, i) => seed + i);
  const windowed = { seeds, windowS, warmupS, minRequests: 20_000 };
  let policies: PolicyName[];
  if (flags.policy === 'all') policies = [...POLICY_NAMES];
  else {
    const names = flags.policy.split(',').map((p) => p.trim());
    const bad = names.filter((p) => !isPolicyName(p));
    if (bad.length > 0) throw new UsageError(`--policy must be all or one of ${POLICY_NAMES.join(', ')} (comma-separated; ours = deadline-cost), got '${bad.join(',')}'`);
    policies = names.filter(isPolicyName);
  }
  let workload;
  try {
    workload = parseWorkload(flags.workload, rate);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const cluster = loadClusterSpec(flags.cluster);

  const progress = new Progress();
  let experiment;
  try {
    experiment = runExperiment({
      cluster,
      workload,
      requests,
      seed,
      jitter,
      policies,
      ...(flags.goodput ? { goodput: { targets, ...windowed } } : {}),
      // The sweep only draws a curve: a shorter window and fewer requests a point will do.
      ...(flags.svg ? { sweep: { multiples: SWEEP_MULTIPLES, ...windowed, windowS: Math.min(windowS, 0.5), warmupS: Math.min(warmupS, 0.25), minRequests: 5000 } } : {}),
      keepLatencies: flags.svg !== undefined,
      onProgress: (fraction, label) => progress.update(fraction, label),
    });
  } finally {
    progress.done();
  }

  if (flags.svg) {
    const svg = renderChart({
      title: `${cluster.name}: ${experiment.reports[0]!.result.workload}, ${cluster.profile.model}, seed ${seed}`,
      target,
      attainment: policies.map((name) => {
        const points = experiment.sweep.get(name) ?? [];
        return { name, points: points.map((p) => [p.ratePerS, p.attainment] as const), errors: points.map((p) => [p.ratePerS, p.attainment - p.attainmentCi95, p.attainment + p.attainmentCi95] as const) };
      }),
      attainmentTitle: seeds.length > 1 ? `SLO attainment vs load (${seeds.length} seeds, 95% CI)` : 'SLO attainment vs offered load',
      cdf: experiment.reports.map(({ result }) => ({ name: result.policy, points: result.latencies ? cdfPoints(result.latencies, result.submitted) : [] })),
      cdfTitle: `latency CDF at ${rate} req/s (${requests} requests)`,
    });
    writeFileSync(flags.svg, svg);
  }

  if (flags.json) {
    const out = {
      cluster: { name: cluster.name, file: cluster.file, model: cluster.profile.model, nodes: cluster.nodes },
      workload: experiment.reports[0]!.result.workload,
      rate_per_s: rate,
      requests,
      seed,
      targets,
      ...(flags.goodput || flags.svg ? { seeds, window_s: windowS, warmup_s: warmupS } : {}),
      results: experiment.reports.map(({ result, goodput }) => ({
        ...resultJson(result),
        ...(goodput
          ? {
              goodput: Object.fromEntries([...goodput.byTarget].map(([t, g]) => [String(t), { mean_per_s: g.mean, ci95_per_s: Number.isFinite(g.ci95) ? g.ci95 : null, per_seed: g.values }])),
              goodput_runs: goodput.runs,
            }
          : {}),
        ...(experiment.sweep.has(result.policy) ? { sweep: experiment.sweep.get(result.policy) } : {}),
      })),
      ...(flags.svg ? { svg: flags.svg } : {}),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  const first = experiment.reports[0]!.result;
  const lines = [
    `cluster ${cluster.name} (${cluster.file}): ${first.replicas} replicas of ${cluster.profile.model}; ${cluster.nodes.map((n) => `${n.count}x${n.replicasPerNode} ${n.hardwareClass} (${n.tier}, USD ${n.costPerHour}/h per node)`).join(', ')}`,
    `workload ${first.workload} at ${rate} req/s, ${requests} requests, seed ${seed}; simulated ${(first.durationMs / 1000).toFixed(2)} s; cost/1k = busy time of the batches at their replica's price (where requests ran)`,
    ...(flags.goodput ? [`goodput: highest rate meeting each target over ${warmupS} s warm-up + ${windowS} s measured (at least 20,000 requests) per run; mean ± 95% interval over seeds ${seeds.join(', ')}`] : []),
    '',
    resultTable(experiment.reports),
    '',
    ...experiment.reports.map(({ result }) => `${result.policy}: refused ${refusalSummary(result)}; ${result.events} events in ${result.wallMs.toFixed(0)} ms wall`),
    ...(flags.svg ? [`chart written to ${flags.svg}`] : []),
  ];
  const simulated = cluster.nodes.filter((n) => cluster.profile.classes.get(n.hardwareClass)?.simulated).map((n) => n.hardwareClass);
  if (simulated.length > 0) lines.push(`simulated hardware classes (not measured by Switchyard's runtime): ${[...new Set(simulated)].join(', ')}; see ${cluster.profile.file}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  const broken = experiment.reports.filter(({ result }) => result.unsettled > 0 || result.duplicateSettlements > 0);
  for (const { result } of broken) process.stderr.write(`switchyard sim: ${result.policy}: ${result.unsettled} requests never settled, ${result.duplicateSettlements} settled twice (a scheduler bug)\n`);
  return broken.length > 0 ? 1 : 0;
}

export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description('simulate a cluster serving a workload with the real scheduler on a virtual clock; compare routing policies')
    .requiredOption('--cluster <file>', 'cluster spec (YAML), e.g. sim/examples/hetero.yaml')
    .option('--workload <kind>', 'poisson, mmpp, diurnal or trace:PATH[,PATH]', 'poisson')
    .option('--rate <r>', 'mean arrival rate, requests per second (traces are scaled to it)', '1000')
    .option('--requests <n>', 'requests to simulate', '100000')
    .option('--policy <name>', `all, or one or more of ${POLICY_NAMES.join(', ')} (comma-separated)`, 'all')
    .option('--seed <s>', 'random seed (arrivals, request mix, service jitter, router)', '1')
    .option('--jitter <sigma>', 'log-normal spread of batch service times around the profile', '0.05')
    .option('--goodput', 'also search each policy\'s goodput: the highest rate meeting each --target, over --seeds seeds')
    .option('--target <fractions>', 'SLO attainment targets for goodput, comma-separated (the first is drawn on the chart)', '0.99,0.995,0.999')
    .option('--seeds <n>', 'seeds (from --seed on) for goodput and the --svg sweep: mean and 95% interval', '3')
    .option('--window <s>', 'measured seconds of traffic per goodput run, after --warmup (at least 20,000 requests)', '1')
    .option('--warmup <s>', 'seconds of traffic before the measured window, not counted', '0.5')
    .option('--json', 'print JSON instead of the table')
    .option('--svg <file>', 'write an SVG chart: attainment vs load (a sweep of rates) and the latency CDF')
    .action((flags: SimFlags) => {
      try {
        process.exitCode = run(flags);
      } catch (error) {
        if (error instanceof UsageError || error instanceof SpecError || error instanceof TraceError || error instanceof RangeError) {
          process.stderr.write(`switchyard sim: ${error.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw error;
      }
    });
}
