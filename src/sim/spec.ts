/**
 * Cluster specs (sim/examples/*.yaml): the nodes by hardware class, count, tier, price and
 * memory; the model and its service-time profile; the deployment's queue and batching
 * settings; and the traffic its clients send (latency classes, deadlines, priorities, sizes).
 * Stages: YAML -> checked raw values (every error names its key) -> a frozen ClusterSpec.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { PRIORITIES, TIERS, type Priority, type Tier } from '../scheduler/types.js';
import { loadProfile, parseProfile, type ModelProfile } from './profile.js';
import { Checker, join, SpecError } from './validate.js';

const GIB = 1024 ** 3;

export interface NodeGroup {
  readonly name: string;
  readonly hardwareClass: string;
  readonly tier: Tier;
  readonly count: number;
  /** Price of one node per hour (all its replicas), USD. */
  readonly costPerHour: number;
  readonly memoryBytes: number;
  readonly replicasPerNode: number;
  /** Largest batch a replica here runs, rows (Triton's max_batch_size). */
  readonly maxBatchSize: number;
}

export interface Range {
  readonly min: number;
  readonly max: number;
}

export interface TrafficSpec {
  /** Share of requests in the realtime latency class; the rest are throughput. */
  readonly realtimeFraction: number;
  /** Relative deadline per latency class, ms, drawn uniformly in the range. */
  readonly deadlineMs: { readonly realtime: Range; readonly throughput: Range };
  /** Weights of the priorities. */
  readonly priorities: Readonly<Record<Priority, number>>;
  /** Rows per request for the synthetic generators: sizes and their weights. */
  readonly rows: { readonly sizes: readonly number[]; readonly weights: readonly number[] };
  /** For traces: rows = ceil(ContextTokens / tokensPerRow), capped at maxRows. */
  readonly tokensPerRow: number;
  readonly maxRows: number;
}

export interface ClusterSpec {
  readonly name: string;
  readonly description: string;
  readonly file: string;
  readonly profile: ModelProfile;
  readonly maxQueue: number;
  readonly maxQueueDelayMs: { readonly realtime: number; readonly throughput: number };
  readonly preferredBatchSizes: readonly number[];
  readonly nodes: readonly NodeGroup[];
  readonly traffic: TrafficSpec;
}

function range(check: Checker, value: unknown, path: string): Range {
  if (typeof value === 'number') {
    const v = check.number(value, path, { min: 0, exclusiveMin: true });
    return { min: v, max: v };
  }
  const list = check.list(value, path);
  if (list.length !== 2) check.fail(path, `must be a number or a [min, max] pair, got a list of ${list.length}`);
  const min = check.number(list[0], join(path, 0), { min: 0, exclusiveMin: true });
  const max = check.number(list[1], join(path, 1), { min });
  return { min, max };
}

function parseTraffic(check: Checker, value: unknown, maxBatch: number): TrafficSpec {
  const path = 'traffic';
  const t = check.object(value ?? {}, path, ['realtime_fraction', 'deadline_ms', 'priorities', 'rows', 'tokens_per_row', 'max_rows']);
  const realtimeFraction = check.optional(t.realtime_fraction, 0.5, (v) => check.number(v, join(path, 'realtime_fraction'), { min: 0, max: 1 }));
  const dpath = join(path, 'deadline_ms');
  const d = check.object(t.deadline_ms ?? {}, dpath, ['realtime', 'throughput']);
  const deadlineMs = {
    realtime: d.realtime === undefined ? { min: 25, max: 25 } : range(check, d.realtime, join(dpath, 'realtime')),
    throughput: d.throughput === undefined ? { min: 250, max: 250 } : range(check, d.throughput, join(dpath, 'throughput')),
  };
  const ppath = join(path, 'priorities');
  const p = check.object(t.priorities ?? { standard: 1 }, ppath, PRIORITIES);
  const priorities = Object.fromEntries(PRIORITIES.map((name) => [name, check.optional(p[name], 0, (v) => check.number(v, join(ppath, name), { min: 0 }))])) as Record<Priority, number>;
  if (PRIORITIES.every((name) => priorities[name] === 0)) check.fail(ppath, 'needs at least one weight above 0');
  const maxRows = check.optional(t.max_rows, 16, (v) => check.number(v, join(path, 'max_rows'), { min: 1, integer: true }));
  if (maxRows > maxBatch) check.fail(join(path, 'max_rows'), `is ${maxRows}, above the smallest nodes[].max_batch_size (${maxBatch}): a request must fit in one batch on every replica`);
  const rpath = join(path, 'rows');
  const r = check.map(t.rows ?? { 1: 1 }, rpath);
  const entries = Object.entries(r).map(([size, weight]) => {
    const n = Number(size);
    if (!Number.isInteger(n) || n < 1) check.fail(join(rpath, size), 'row counts must be positive integers');
    if (n > maxRows) check.fail(join(rpath, size), `is above traffic.max_rows (${maxRows})`);
    return [n, check.number(weight, join(rpath, size), { min: 0 })] as const;
  });
  if (entries.length === 0 || entries.every(([, w]) => w === 0)) check.fail(rpath, 'needs at least one size with a weight above 0');
  entries.sort((a, b) => a[0] - b[0]);
  const tokensPerRow = check.optional(t.tokens_per_row, 1024, (v) => check.number(v, join(path, 'tokens_per_row'), { min: 1 }));
  return { realtimeFraction, deadlineMs, priorities, rows: { sizes: entries.map((e) => e[0]), weights: entries.map((e) => e[1]) }, tokensPerRow, maxRows };
}

function parseNodes(check: Checker, value: unknown, profile: ModelProfile, profilePath: string): NodeGroup[] {
  const list = check.list(value, 'nodes', { nonEmpty: true });
  const names = new Set<string>();
  const known = ['name', 'hardware_class', 'tier', 'count', 'cost_per_hour', 'memory_gib', 'replicas_per_node', 'max_batch_size'];
  return list.map((item, i) => {
    const path = join('nodes', i);
    const n = check.object(item, path, known, ['name', 'hardware_class', 'tier', 'count', 'cost_per_hour', 'memory_gib']);
    const name = check.string(n.name, join(path, 'name'));
    if (names.has(name)) check.fail(join(path, 'name'), `'${name}' is used by an earlier node group`);
    names.add(name);
    const hardwareClass = check.string(n.hardware_class, join(path, 'hardware_class'));
    if (!profile.classes.has(hardwareClass)) {
      check.fail(join(path, 'hardware_class'), `'${hardwareClass}' has no service-time table in ${profilePath} (it has: ${[...profile.classes.keys()].join(', ')})`);
    }
    return {
      name,
      hardwareClass,
      tier: check.oneOf(n.tier, join(path, 'tier'), TIERS),
      count: check.number(n.count, join(path, 'count'), { min: 0, integer: true }),
      costPerHour: check.number(n.cost_per_hour, join(path, 'cost_per_hour'), { min: 0 }),
      memoryBytes: Math.round(check.number(n.memory_gib, join(path, 'memory_gib'), { min: 0, exclusiveMin: true }) * GIB),
      replicasPerNode: check.optional(n.replicas_per_node, 1, (v) => check.number(v, join(path, 'replicas_per_node'), { min: 1, integer: true })),
      maxBatchSize: check.optional(n.max_batch_size, profile.maxBatchSize, (v) => check.number(v, join(path, 'max_batch_size'), { min: 1, max: 4096, integer: true })),
    };
  });
}

/** Checks a parsed spec; `readProfile` resolves the model's profile path (relative to the spec). */
export function checkClusterSpec(raw: unknown, file: string, readProfile: (path: string) => ModelProfile): ClusterSpec {
  const check: Checker = new Checker(file);
  const top = check.object(raw, '', ['name', 'description', 'model', 'deployment', 'nodes', 'traffic'], ['name', 'model', 'nodes']);
  const name = check.string(top.name, 'name');
  const description = top.description === undefined ? '' : check.string(top.description, 'description');
  const model = check.object(top.model, 'model', ['name', 'profile'], ['profile']);
  const profilePath = check.string(model.profile, 'model.profile');
  let profile: ModelProfile;
  try {
    profile = readProfile(profilePath);
  } catch (error) {
    if (error instanceof SpecError) throw error;
    check.fail('model.profile', error instanceof Error ? error.message : String(error));
  }
  const modelName = model.name === undefined ? profile.model : check.string(model.name, 'model.name');
  if (modelName !== profile.model) check.fail('model.name', `is '${modelName}' but ${profilePath} profiles '${profile.model}'`);
  const dep = check.object(top.deployment ?? {}, 'deployment', ['max_queue', 'batching']);
  const maxQueue = check.optional(dep.max_queue, 100_000, (v) => check.number(v, 'deployment.max_queue', { min: 1, integer: true }));
  const batching = check.object(dep.batching ?? {}, 'deployment.batching', ['max_queue_delay_ms', 'preferred_batch_sizes']);
  const delays = check.object(batching.max_queue_delay_ms ?? {}, 'deployment.batching.max_queue_delay_ms', ['realtime', 'throughput']);
  const maxQueueDelayMs = {
    realtime: check.optional(delays.realtime, 1, (v) => check.number(v, 'deployment.batching.max_queue_delay_ms.realtime', { min: 0 })),
    throughput: check.optional(delays.throughput, 10, (v) => check.number(v, 'deployment.batching.max_queue_delay_ms.throughput', { min: 0 })),
  };
  const preferredBatchSizes = check
    .optional(batching.preferred_batch_sizes, [] as unknown[], (v) => check.list(v, 'deployment.batching.preferred_batch_sizes'))
    .map((v, i) => check.number(v, join('deployment.batching.preferred_batch_sizes', i), { min: 1, integer: true }));
  const nodes = parseNodes(check, top.nodes, profile, profilePath);
  if (nodes.every((n) => n.count === 0)) check.fail('nodes', 'every group has count 0: the cluster has no replicas');
  const traffic = parseTraffic(check, top.traffic, Math.min(...nodes.map((n) => n.maxBatchSize)));
  return Object.freeze({ name, description, file, profile, maxQueue, maxQueueDelayMs, preferredBatchSizes, nodes, traffic });
}

export function parseClusterSpec(text: string, file: string, readProfile?: (path: string) => ModelProfile): ClusterSpec {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new SpecError(file, '', `is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const base = dirname(resolve(file));
  return checkClusterSpec(raw, file, readProfile ?? ((path) => loadProfile(resolve(base, path))));
}

export function loadClusterSpec(file: string): ClusterSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SpecError(file, '', `cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseClusterSpec(text, file);
}

/** The same cluster with every group's node count scaled (rounded, at least one node per non-empty group). */
export function scaleCluster(spec: ClusterSpec, factor: number): ClusterSpec {
  return Object.freeze({
    ...spec,
    nodes: spec.nodes.map((n) => ({ ...n, count: n.count === 0 ? 0 : Math.max(1, Math.round(n.count * factor)) })),
  });
}

export { parseProfile };
