/**
 * Routing decisions per second: `Scheduler.submit` of one request, policy `ours` (predicted-
 * completion routing, adaptive batching, predictive admission), on one deployment with 1,000
 * replicas in four hardware groups (sim/examples/large.yaml).
 *
 *   npm run bench -- decisions [--quick] [--seconds S] [--chunk N] [--no-pin]
 *
 * Requests are built before the clock starts; each timed chunk is N submits (each may start a
 * batch on its replica: that is part of the decision). Between chunks, untimed, every running
 * batch completes at its true time (dispatch + the profile's service time, in time order, with
 * the batches that start meanwhile) and the clock moves on, so queues stay short.
 * The process is pinned to one CPU (taskset) so the figure is for one core. Reported: the
 * median of several rounds. The last stdout line is one JSON object (see bench/README.md).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Scheduler } from '../src/scheduler/scheduler.js';
import type { Batch, SchedulerRequest } from '../src/scheduler/types.js';
import { deploymentConfig } from '../src/sim/policies.js';
import { serviceTable } from '../src/sim/profile.js';
import { formatTable } from '../src/sim/report.js';
import { Rng } from '../src/sim/rng.js';
import { replicaSpecs } from '../src/sim/simulator.js';
import { loadClusterSpec } from '../src/sim/spec.js';
import { RequestMix } from '../src/sim/workload.js';
import { allowedCpus, pinSelf, REPO_ROOT } from './lib/children.js';
import { median, round } from './lib/stats.js';

const TARGET = 200_000;

interface Round {
  decisions: number;
  seconds: number;
  refused: number;
  withCompletionSeconds: number;
}

function settings(args: readonly string[]): { seconds: number; rounds: number; chunk: number; pin: boolean; quick: boolean } {
  const { values } = parseArgs({
    args: [...args],
    options: { quick: { type: 'boolean', default: false }, seconds: { type: 'string' }, chunk: { type: 'string' }, 'no-pin': { type: 'boolean', default: false } },
    strict: true,
  });
  const quick = values.quick === true;
  const seconds = values.seconds === undefined ? (quick ? 0.4 : 2) : Number(values.seconds);
  const chunk = values.chunk === undefined ? 256 : Number(values.chunk);
  if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got '${values.seconds}'`);
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`--chunk must be a positive integer, got '${values.chunk}'`);
  return { seconds, rounds: quick ? 3 : 5, chunk, pin: values['no-pin'] !== true, quick };
}

export async function main(args: readonly string[]): Promise<number> {
  const s = settings(args);
  let placement = 'not pinned (--no-pin)';
  if (s.pin) {
    const cpus = allowedCpus();
    if (cpus && cpus.length > 0) {
      pinSelf(cpus[cpus.length - 1]!);
      placement = `pinned to CPU ${cpus[cpus.length - 1]!} (taskset, all threads)`;
    } else placement = 'not pinned (taskset unavailable)';
  }

  const cluster = loadClusterSpec(join(REPO_ROOT, 'sim/examples/large.yaml'));
  const deployment = cluster.profile.model;
  const tables = new Map(cluster.nodes.map((n) => [n.hardwareClass, serviceTable(cluster.profile.classes.get(n.hardwareClass)!, 256)]));
  const running: Batch<undefined>[] = [];
  let settled = 0;
  const rng = Rng.stream(7, 'router');
  const scheduler = new Scheduler<undefined>({
    runtime: { execute: (batch) => void running.push(batch) },
    settle: () => void settled++,
    router: 'ours',
    random: () => rng.next(),
  });
  scheduler.addDeployment(deployment, deploymentConfig('ours', cluster));
  const specs = replicaSpecs(cluster, deployment);
  for (const spec of specs) scheduler.addReplica(spec, 0);
  const groups = new Set(specs.map((r) => `${r.hardwareClass}|${r.tier}`)).size;

  const mix = new RequestMix(cluster.traffic, 7);
  let now = 0;
  let nextId = 0;
  const build = (n: number): SchedulerRequest<undefined>[] => {
    const out: SchedulerRequest<undefined>[] = [];
    for (let i = 0; i < n; i++) {
      const t = mix.draw(-1);
      const at = now + i * 0.002;
      out.push({ id: nextId++, deployment, arrivalMs: at, priority: t.priority, latencyClass: t.latencyClass, deadlineMs: at + t.deadlineMs, timeoutAction: 'reject', rows: t.rows, batchKey: '', hints: {}, payload: undefined });
    }
    return out;
  };
  const drain = (): void => {
    // Untimed: finish everything running and everything that starts meanwhile, in time order: each
    // batch completes when its profile service time has passed since it was dispatched (the
    // scheduler learns from what it sees, so completions must come at their true times).
    const serviceMs = (batch: Batch<undefined>): number => tables.get(batch.replica.hardwareClass)![Math.min(batch.rows, 256)]!;
    const pending: { end: number; batch: Batch<undefined> }[] = [];
    for (let guard = 0; guard < 100_000; guard++) {
      if (running.length > 0) {
        for (const batch of running.splice(0)) pending.push({ end: batch.dispatchedAtMs + serviceMs(batch), batch });
        pending.sort((a, b) => a.end - b.end);
      }
      const wake = scheduler.nextWakeupMs();
      const next = pending[0];
      if (!next && !Number.isFinite(wake)) break;
      if (next && next.end <= wake) {
        pending.shift();
        now = Math.max(now, next.end);
        scheduler.complete(next.batch.id, now, { ok: true, computeMs: serviceMs(next.batch) });
      } else {
        now = Math.max(now, wake);
        scheduler.advance(now);
      }
    }
  };

  const oneRound = (seconds: number): Round => {
    let decisions = 0;
    let refused = 0;
    let timed = 0;
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      const requests = build(s.chunk);
      const t0 = performance.now();
      for (const request of requests) {
        if (scheduler.submit(request, request.arrivalMs) !== undefined) refused++;
      }
      timed += performance.now() - t0;
      decisions += requests.length;
      now = requests[requests.length - 1]!.arrivalMs;
      drain();
    }
    return { decisions, seconds: timed / 1000, refused, withCompletionSeconds: (performance.now() - started) / 1000 };
  };

  process.stderr.write(`decisions: ${specs.length} replicas in ${groups} hardware groups, chunks of ${s.chunk}, ${s.rounds} rounds of ${s.seconds} s; ${placement}\n`);
  oneRound(Math.min(0.5, s.seconds)); // warm-up: JIT, learned service times
  const rounds: Round[] = [];
  for (let i = 0; i < s.rounds; i++) {
    const r = oneRound(s.seconds);
    rounds.push(r);
    process.stderr.write(`  round ${i + 1}/${s.rounds}: ${Math.round(r.decisions / r.seconds)} decisions/s (${r.decisions} submits, ${r.refused} refused)\n`);
  }
  const perSecond = median(rounds.map((r) => r.decisions / r.seconds));
  const withCompletion = median(rounds.map((r) => r.decisions / r.withCompletionSeconds));
  const refusedShare = rounds.reduce((n, r) => n + r.refused, 0) / rounds.reduce((n, r) => n + r.decisions, 0);
  const ratio = perSecond / TARGET;

  const table = formatTable([
    ['measure', 'value'],
    ['replicas / hardware groups', `${specs.length} / ${groups}`],
    ['submit() per second (median of rounds)', String(Math.round(perSecond))],
    ['ns per decision', (1e9 / perSecond).toFixed(0)],
    ['with untimed completions included, per second', String(Math.round(withCompletion))],
    ['refused at admission', `${(refusedShare * 100).toFixed(2)}%`],
    ['settled', String(settled)],
  ]);
  process.stdout.write(`\nRouting decisions: Scheduler.submit, policy ours, ${placement}\n\n${table}\n\nratio (per_second / ${TARGET}): ${ratio.toFixed(3)}   target >= 1: ${ratio >= 1 ? 'met' : 'NOT met'}\n`);
  process.stdout.write(
    `${JSON.stringify({ bench: 'decisions', per_second: Math.round(perSecond), ratio: round(ratio, 3), ns_per_decision: round(1e9 / perSecond, 1), per_second_with_completions: Math.round(withCompletion), replicas: specs.length, groups, refused_share: round(refusedShare, 4), chunk: s.chunk, rounds: rounds.length })}\n`,
  );
  return 0;
}
