/**
 * What a caller may tell the scheduler, as `x-switchyard-*` headers or as the same names in
 * the OIP request `parameters` (snake_case), plus Triton's `priority` and `timeout` (µs)
 * parameters. Unknown or contradictory values are a 400 HINT_INVALID, never a silent default.
 */
import type { LatencyClass } from '../../core/contract.js';
import { SwitchyardError } from '../../core/errors.js';
import type { Priority } from '../../scheduler/types.js';
import type { SchedulingHints } from '../../serving/scheduling-hints.js';

export type { SchedulingHints };

type Headers = Record<string, string | string[] | undefined>;

/** Why: an hour is longer than any synchronous call should wait; longer is surely a unit mistake. */
const MAX_DEADLINE_MS = 3_600_000;

function invalid(message: string): SwitchyardError {
  return new SwitchyardError('HINT_INVALID', message);
}

/** One hint from its header and its parameter; both present and different is contradictory. */
function read(headers: Headers, parameters: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const header = headers[`x-switchyard-${name}`];
  const headerValue = Array.isArray(header) ? header.join(',') : header;
  const parameter = parameters[name.replaceAll('-', '_')];
  if (parameter !== undefined && typeof parameter !== 'string' && typeof parameter !== 'number') {
    throw invalid(`parameter '${name.replaceAll('-', '_')}' must be a string or a number`);
  }
  const parameterValue = parameter === undefined ? undefined : String(parameter);
  if (headerValue !== undefined && parameterValue !== undefined && headerValue.trim() !== parameterValue.trim()) {
    throw invalid(`header x-switchyard-${name} says '${headerValue}' but parameter ${name.replaceAll('-', '_')} says '${parameterValue}'`);
  }
  return (headerValue ?? parameterValue)?.trim();
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw invalid(`${name} '${value}' is not one of ${allowed.join(', ')}`);
  return value as T;
}

function positiveNumber(name: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value === '' || !Number.isFinite(number) || number <= 0 || number > max) throw invalid(`${name} must be a number above 0 and at most ${max}, got '${value}'`);
  return number;
}

/** Triton's integer priority: 1 is the highest level, 0 the model's default. */
function tritonPriority(value: unknown): Priority | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw invalid(`parameter 'priority' must be a Triton priority level (0, 1, 2, ...) or critical | standard | sheddable`);
  return value === 0 ? undefined : value === 1 ? 'critical' : value === 2 ? 'standard' : 'sheddable';
}

const HINT_PARAMETERS = new Set(['latency_class', 'priority', 'deadline_ms', 'timeout', 'timeout_action', 'hint_memory_gib', 'hint_hardware', 'hint_max_cost_per_1k', 'hint_concurrency', 'tenant', 'allow_fallback']);

/**
 * Whether fallbacks may answer: `x-switchyard-allow-fallback` or parameter `allow_fallback`
 * (true/false) when given; else yes only for a caller that speaks Switchyard (sends any
 * `x-switchyard-*` header or a Switchyard parameter), who reads `x-switchyard-fallback` on the
 * answer. Triton's own `priority` (a number) and `timeout` do not count: a Triton client that
 * sends them cannot see a fallback, so it gets the catalogue error instead.
 */
function readAllowFallback(headers: Headers, parameters: Readonly<Record<string, unknown>>): boolean {
  const header = headers['x-switchyard-allow-fallback'];
  const headerText = Array.isArray(header) ? header.join(',') : header;
  const parameter = parameters.allow_fallback;
  const fromHeader = headerText === undefined ? undefined : flagText('header x-switchyard-allow-fallback', headerText);
  const fromParameter = parameter === undefined ? undefined : typeof parameter === 'boolean' ? parameter : flagText("parameter 'allow_fallback'", typeof parameter === 'string' ? parameter : JSON.stringify(parameter));
  if (fromHeader !== undefined && fromParameter !== undefined && fromHeader !== fromParameter) {
    throw invalid(`header x-switchyard-allow-fallback says ${String(fromHeader)} but parameter allow_fallback says ${String(fromParameter)}`);
  }
  const explicit = fromHeader ?? fromParameter;
  if (explicit !== undefined) return explicit;
  for (const name in headers) if (name.startsWith('x-switchyard-')) return true;
  for (const name in parameters) {
    if (!HINT_PARAMETERS.has(name) || parameters[name] === undefined || name === 'timeout') continue;
    if (name === 'priority' && typeof parameters[name] === 'number') continue;
    return true;
  }
  return false;
}

function flagText(where: string, text: string): boolean {
  const value = text.trim().toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalid(`${where} must be true or false, got '${text}'`);
}

/** The hints of a request that gives none, per latency class: most requests, so built once. */
const DEFAULTS: Record<LatencyClass, SchedulingHints> = {
  realtime: Object.freeze({ latencyClass: 'realtime', priority: 'standard', deadlineMs: Number.POSITIVE_INFINITY, timeoutAction: 'reject', tenant: undefined, hints: Object.freeze({}) }),
  throughput: Object.freeze({ latencyClass: 'throughput', priority: 'standard', deadlineMs: Number.POSITIVE_INFINITY, timeoutAction: 'reject', tenant: undefined, hints: Object.freeze({}) }),
};

function givesNoHints(headers: Headers, parameters: Readonly<Record<string, unknown>>): boolean {
  // Over the parameters given (mostly none), not over every hint name: no lookup by a changing key.
  for (const name in parameters) if (HINT_PARAMETERS.has(name) && parameters[name] !== undefined) return false;
  for (const name in headers) if (name.startsWith('x-switchyard-')) return false;
  return true;
}

export function readSchedulingHints(headers: Headers, parameters: Readonly<Record<string, unknown>>, defaultLatencyClass: LatencyClass): SchedulingHints {
  if (givesNoHints(headers, parameters)) return DEFAULTS[defaultLatencyClass];
  const latencyClass = oneOf('latency class', read(headers, parameters, 'latency-class'), ['realtime', 'throughput'], defaultLatencyClass);
  const tritonLevel = typeof parameters.priority === 'number' ? tritonPriority(parameters.priority) : undefined;
  const named = read(headers, typeof parameters.priority === 'number' ? {} : parameters, 'priority');
  if (tritonLevel !== undefined && named !== undefined && named !== tritonLevel) {
    throw invalid(`priority '${named}' contradicts Triton priority ${String(parameters.priority)} (${tritonLevel})`);
  }
  const priority: Priority = tritonLevel ?? oneOf<Priority>('priority', named, ['critical', 'standard', 'sheddable'], 'standard');

  const deadline = positiveNumber('deadline-ms', read(headers, parameters, 'deadline-ms'), MAX_DEADLINE_MS);
  let timeoutMs: number | undefined;
  if (parameters.timeout !== undefined) {
    if (typeof parameters.timeout !== 'number' || !Number.isInteger(parameters.timeout) || parameters.timeout < 0) {
      throw invalid("parameter 'timeout' (Triton, microseconds) must be a non-negative integer");
    }
    timeoutMs = parameters.timeout === 0 ? undefined : parameters.timeout / 1000;
    if (timeoutMs !== undefined && timeoutMs > MAX_DEADLINE_MS) throw invalid(`parameter 'timeout' of ${parameters.timeout} µs is over an hour`);
  }
  if (deadline !== undefined && timeoutMs !== undefined && Math.abs(deadline - timeoutMs) > 1e-9) {
    throw invalid(`deadline ${deadline} ms contradicts Triton timeout ${String(parameters.timeout)} µs`);
  }
  const timeoutAction = oneOf('timeout action', read(headers, parameters, 'timeout-action'), ['reject', 'delay'], 'reject');

  const memoryGib = positiveNumber('hint-memory-gib', read(headers, parameters, 'hint-memory-gib'), 65536);
  const hardware = read(headers, parameters, 'hint-hardware');
  const hardwareClasses = hardware?.split(',').map((c) => c.trim());
  if (hardwareClasses?.some((c) => !/^[a-z0-9][a-z0-9._-]{0,63}$/i.test(c))) throw invalid(`hint-hardware must be a comma-separated list of hardware class names, got '${hardware ?? ''}'`);
  const maxCostPer1k = positiveNumber('hint-max-cost-per-1k', read(headers, parameters, 'hint-max-cost-per-1k'), 1e9);
  const concurrency = read(headers, parameters, 'hint-concurrency');
  if (concurrency !== undefined && !/^[1-9]\d{0,6}$/.test(concurrency)) throw invalid(`hint-concurrency must be a whole number from 1 to 9999999, got '${concurrency}'`);
  const tenant = read(headers, parameters, 'tenant');
  if (tenant !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(tenant)) throw invalid(`tenant must be 1-64 letters, digits, '.', '_' or '-', got '${tenant}'`);
  if (latencyClass === 'realtime' && timeoutAction === 'delay') throw invalid("timeout action 'delay' contradicts the realtime latency class: a realtime answer past its deadline is useless");
  const allowFallback = readAllowFallback(headers, parameters);

  return {
    latencyClass,
    priority,
    deadlineMs: deadline ?? timeoutMs ?? Number.POSITIVE_INFINITY,
    timeoutAction,
    tenant,
    allowFallback,
    hints: {
      ...(memoryGib === undefined ? {} : { memoryBytes: memoryGib * 2 ** 30 }),
      ...(hardwareClasses === undefined ? {} : { hardwareClasses }),
      ...(maxCostPer1k === undefined ? {} : { maxCostPer1k }),
    },
  };
}
