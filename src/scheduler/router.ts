/**
 * Routing: filter (ready, fits the hints, fresh load reports), score, pick. `deadline-cost`
 * (first named `ours`, still accepted as an alias) scores each
 * hardware group's best of two sampled replicas by predicted completion time (realtime) or by
 * cost among those that meet the deadline (throughput). The baselines are what users deploy
 * today in front of Triton: round robin, random, least outstanding requests and power-of-two
 * least-request (Envoy, Ray Serve).
 */
import type { ReplicaGroup } from './replica-group.js';
import type { ReplicaRuntime } from './replica.js';
import type { SchedulerRequest } from './types.js';

export type RouterPolicy = 'deadline-cost' | 'round-robin' | 'random' | 'least-outstanding' | 'power-of-two';
export const ROUTER_POLICIES: readonly RouterPolicy[] = ['deadline-cost', 'round-robin', 'random', 'least-outstanding', 'power-of-two'];

/** Former names, accepted wherever a policy is named (scheduler options, `switchyard sim --policy`). */
export const ROUTER_POLICY_ALIASES = { ours: 'deadline-cost' } as const satisfies Record<string, RouterPolicy>;
export type RouterPolicyName = RouterPolicy | keyof typeof ROUTER_POLICY_ALIASES;

export function isRouterPolicyName(value: string): value is RouterPolicyName {
  return (ROUTER_POLICIES as readonly string[]).includes(value) || Object.hasOwn(ROUTER_POLICY_ALIASES, value);
}

/** The policy a name (or alias) stands for. */
export function routerPolicyOf(name: RouterPolicyName): RouterPolicy {
  return name === 'ours' ? ROUTER_POLICY_ALIASES.ours : name;
}

export interface RouteContext<P> {
  readonly request: SchedulerRequest<P>;
  readonly nowMs: number;
  /** Groups that fit the request's hints and have ready replicas. */
  readonly groups: readonly ReplicaGroup<P>[];
  /** Every ready replica of the deployment, when no group was filtered out. */
  readonly allReady: readonly ReplicaRuntime<P>[] | undefined;
  readonly staleAfterMs: number;
  readonly random: () => number;
  /** Cloud replicas take only what the home tiers (edge, onprem) cannot serve by its deadline. */
  readonly cloudIsBurst: boolean;
  /** How long a batch may keep filling on this deployment (its shortest max queue delay), ms. */
  readonly batchWindowMs: number;
}

export interface Router {
  pick<P>(context: RouteContext<P>): ReplicaRuntime<P> | undefined;
}

function isFresh<P>(replica: ReplicaRuntime<P>, context: RouteContext<P>): boolean {
  return context.nowMs - replica.lastReportMs <= context.staleAfterMs;
}

/** Stale load counts as saturated: such a replica only wins when nothing fresh is left. */
function predicted<P>(replica: ReplicaRuntime<P>, context: RouteContext<P>): number {
  // Scoring compares replicas, so the whole queue will do; admission asks the priority-aware
  // question (predictCompletionAt) once, of the replica picked.
  const completion = replica.predictCompletion(context.request.rows, context.nowMs);
  return isFresh(replica, context) ? completion : completion + 1e9;
}

/** The lower-scoring of two sampled replicas (both when there are only two), scoring each once. */
function sampleTwo<P>(ready: readonly ReplicaRuntime<P>[], random: () => number, score: (r: ReplicaRuntime<P>) => number): { replica: ReplicaRuntime<P>; score: number } | undefined {
  let a: ReplicaRuntime<P> | undefined;
  let b: ReplicaRuntime<P> | undefined;
  if (ready.length <= 2) {
    [a, b] = ready;
  } else {
    const i = Math.floor(random() * ready.length);
    let j = Math.floor(random() * (ready.length - 1));
    if (j >= i) j++;
    a = ready[i];
    b = ready[j];
  }
  if (!a) return undefined;
  const scoreA = score(a);
  if (!b) return { replica: a, score: scoreA };
  const scoreB = score(b);
  return scoreB < scoreA ? { replica: b, score: scoreB } : { replica: a, score: scoreA };
}

function flatReady<P>(context: RouteContext<P>): readonly ReplicaRuntime<P>[] {
  const { groups } = context;
  return context.allReady ?? (groups.length === 1 ? groups[0]!.ready : groups.flatMap((g) => g.ready));
}

/**
 * Throughput work may go to cheaper hardware only if it is predicted to finish within this share
 * of its remaining slack. Why: the prediction ignores service-time jitter and higher-priority
 * work that will jump the queue; in the simulator a looser bound (0.25, 1.0) sent work to the
 * edge tier until it missed deadlines, at a tenth of the goodput.
 */
const CHEAP_SLACK_SHARE = 0.1;

class DeadlineCostRouter implements Router {
  pick<P>(context: RouteContext<P>): ReplicaRuntime<P> | undefined {
    const { groups, request } = context;
    if (!context.cloudIsBurst) return this.pickAmong(context, groups);
    let cloudGroups = 0;
    for (const g of groups) if (g.tier === 'cloud') cloudGroups++;
    if (cloudGroups === 0 || cloudGroups === groups.length) return this.pickAmong(context, groups);
    // Burst: stay home while home meets the deadline; spill to the cloud only when it does not.
    const home = this.pickAmong(context, groups.filter((g) => g.tier !== 'cloud'));
    if (home && predicted(home, context) <= request.deadlineMs) return home;
    const cloud = this.pickAmong(context, groups.filter((g) => g.tier === 'cloud'));
    if (!home || !cloud) return home ?? cloud;
    return predicted(cloud, context) < predicted(home, context) ? cloud : home;
  }

  private pickAmong<P>(context: RouteContext<P>, groups: readonly ReplicaGroup<P>[]): ReplicaRuntime<P> | undefined {
    const { request } = context;
    let fastest: ReplicaRuntime<P> | undefined;
    let fastestAt = Number.POSITIVE_INFINITY;
    let cheapest: ReplicaRuntime<P> | undefined;
    let cheapestCost = Number.POSITIVE_INFINITY;
    const budgetPerRow = request.hints.maxCostPer1k === undefined ? Number.POSITIVE_INFINITY : request.hints.maxCostPer1k / 1000;
    const throughput = request.latencyClass === 'throughput';
    for (const group of groups) {
      const sampled = sampleTwo(group.ready, context.random, (r) => predicted(r, context));
      if (!sampled) continue;
      const { replica: candidate, score: at } = sampled;
      if (candidate.costPerRow(request.rows) > budgetPerRow) continue;
      if (at < fastestAt) {
        fastest = candidate;
        fastestAt = at;
      }
      if (!throughput || !isFresh(candidate, context)) continue;
      // Throughput work goes where it adds least to the bill among the hardware that meets its
      // deadline with room to spare, asked as admission asks it (work of higher priority that
      // keeps arriving goes first), so a nearly saturated cheap group is not picked only to
      // have admission refuse the request.
      const cost = candidate.marginalCostPerRow(request.rows, context.nowMs, context.batchWindowMs);
      if (cost < cheapestCost && candidate.predictCompletionAt(request.priority, request.rows, context.nowMs) - context.nowMs <= CHEAP_SLACK_SHARE * (request.deadlineMs - context.nowMs)) {
        cheapest = candidate;
        cheapestCost = cost;
      }
    }
    return throughput && cheapest ? cheapest : fastest;
  }
}

class RoundRobinRouter implements Router {
  private next = 0;
  pick<P>(context: RouteContext<P>): ReplicaRuntime<P> | undefined {
    const ready = flatReady(context);
    if (ready.length === 0) return undefined;
    this.next = (this.next + 1) % ready.length;
    return ready[this.next];
  }
}

class RandomRouter implements Router {
  pick<P>(context: RouteContext<P>): ReplicaRuntime<P> | undefined {
    const ready = flatReady(context);
    return ready[Math.floor(context.random() * ready.length)];
  }
}

class LeastOutstandingRouter implements Router {
  pick<P>(context: RouteContext<P>): ReplicaRuntime<P> | undefined {
    let best: ReplicaRuntime<P> | undefined;
    for (const group of context.groups) {
      for (const replica of group.ready) if (!best || replica.outstanding < best.outstanding) best = replica;
    }
    return best;
  }
}

class PowerOfTwoRouter implements Router {
  pick<P>(context: RouteContext<P>): ReplicaRuntime<P> | undefined {
    return sampleTwo(flatReady(context), context.random, (r) => r.outstanding)?.replica;
  }
}

export function createRouter(name: RouterPolicyName): Router {
  const policy = routerPolicyOf(name);
  switch (policy) {
    case 'deadline-cost':
      return new DeadlineCostRouter();
    case 'round-robin':
      return new RoundRobinRouter();
    case 'random':
      return new RandomRouter();
    case 'least-outstanding':
      return new LeastOutstandingRouter();
    case 'power-of-two':
      return new PowerOfTwoRouter();
  }
}
