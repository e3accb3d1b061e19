/**
 * Runs a request on its deployment and, when the serving side cannot answer, down the
 * deployment's fallback chain. The chain is used when the SLO burns (an injected signal), the
 * circuit is open, the scheduler refuses (deadline infeasible, no healthy replica, overloaded)
 * or the primary fails (inference failed, deadline exceeded). Bad input never reaches here:
 * the route validated it first, and 4xx refusals of the scheduler are passed through as they are.
 */
import { deploymentName } from '../../core/deployment-name.js';
import type { Clock } from '../../core/clock.js';
import { ERROR_CATALOGUE, SwitchyardError } from '../../core/errors.js';
import type { TensorMap } from '../../core/tensor.js';
import { CircuitBreaker, type CircuitDecision, type CircuitSettings, type CircuitState } from '../../scheduler/circuit-breaker.js';
import { countsAsCircuitFailure, fallbackReasonFor, type FallbackReason } from '../../scheduler/fallback-triggers.js';
import { requestDigest } from '../../scheduler/response-cache.js';
import type { Refused } from '../../scheduler/types.js';
import type { FallbackChainMetrics } from '../../telemetry/fallback-chain-metrics.js';
import type { Logger } from '../../telemetry/logger.js';
import type { RequestSpan } from '../../telemetry/tracing/tracing.js';
import type { LiveScheduler} from '../live/live-scheduler.js';
import { type LiveServed } from '../live/live-scheduler.js';
import type { ModelCatalog, ServedVersion } from '../model-catalog.js';
import type { SchedulingHints } from '../scheduling-hints.js';
import { cloneInputs, compileChain, staticOutputs, type FallbackChain, type FallbackLink } from './fallback-chain.js';

/** Whether a deployment's SLO is burning so fast that it should go to its fallbacks (the slo helper's signal). */
export type IsBurning = (deployment: string) => boolean;

export interface FallbackUsed {
  readonly kind: FallbackLink['kind'];
  readonly name: string;
  readonly reason: FallbackReason;
  /** The deployment that answered, for a `deployment` link, with its scheduling facts. */
  readonly served?: ServedVersion;
  readonly live?: LiveServed;
}

export type Answer =
  | { readonly fallback: undefined; readonly live: LiveServed }
  | { readonly fallback: FallbackUsed; readonly outputs: TensorMap };

export interface FallbackRunnerOptions {
  readonly catalog: ModelCatalog;
  readonly scheduler: LiveScheduler;
  readonly clock: Clock;
  readonly log: Logger;
  readonly circuit: CircuitSettings;
  readonly isBurning?: IsBurning;
  readonly metrics?: FallbackChainMetrics;
}

interface DeploymentState {
  readonly chain: FallbackChain;
  readonly breaker: CircuitBreaker;
}

export function refusalError(result: Refused): SwitchyardError {
  // Every 503 carries Retry-After; an upstream outage says 1 s when the scheduler did not say more.
  const retryAfterSeconds = result.retryAfterSeconds ?? (ERROR_CATALOGUE[result.code].status === 503 ? 1 : undefined);
  return new SwitchyardError(result.code, result.message, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
}

function liveAnswer(live: Awaited<ReturnType<LiveScheduler['submit']>>): Answer {
  if (!live.ok) throw refusalError(live);
  return { fallback: undefined, live };
}

export class FallbackRunner {
  private readonly states = new Map<ServedVersion, DeploymentState>();
  private isBurning: IsBurning;

  constructor(private readonly options: FallbackRunnerOptions) {
    this.isBurning = options.isBurning ?? (() => false);
  }

  /** Wires the SLO signal once it exists (one line when the slo helper's SloSignals is merged). */
  useBurnSignal(isBurning: IsBurning): void {
    this.isBurning = isBurning;
  }

  /** Compiles every READY version's chain; call after the repository has loaded. */
  prepare(): void {
    for (const served of this.options.catalog.all()) this.prepareVersion(served);
  }

  /** Compiles one READY version's chain (one loaded after start, through the repository API). */
  prepareVersion(served: ServedVersion): void {
    if (this.states.has(served) || served.state !== 'READY' || !served.config || served.config.fallbacks.length === 0) return;
    const chain = compileChain(served, this.options.catalog, this.options.log);
    if (chain.links.length > 0) this.states.set(served, { chain, breaker: new CircuitBreaker(this.options.circuit) });
  }

  /** Drops an unloaded version's chain, its breaker and cache. */
  forget(served: ServedVersion): void {
    this.states.delete(served);
  }

  /** Admission's early word for a version without a fallback chain (a chain answers refusals itself). */
  peek(served: ServedVersion, priority: SchedulingHints['priority'], deadlineInMs: number): Refused | undefined {
    return this.states.has(served) ? undefined : this.options.scheduler.peek(served, priority, deadlineInMs);
  }

  chainOf(served: ServedVersion): FallbackChain | undefined {
    return this.states.get(served)?.chain;
  }

  *circuits(): Generator<{ model: string; version: string; state: CircuitState }> {
    for (const [served, { breaker }] of this.states) yield { model: served.model, version: served.version, state: breaker.state() };
  }

  infer(served: ServedVersion, inputs: TensorMap, outputNames: readonly string[], rows: number, hints: SchedulingHints, span?: RequestSpan): Promise<Answer> {
    const state = this.states.get(served);
    // No chain (most versions): the scheduler's answer as it comes, without an async frame of its own.
    if (!state) return this.options.scheduler.submit(served, inputs, outputNames, rows, hints, span).then(liveAnswer);
    if (hints.allowFallback !== true) return this.inferPrimaryOnly(served, state, inputs, outputNames, rows, hints, span);
    return this.inferWithChain(served, state, inputs, outputNames, rows, hints, span);
  }

  /**
   * A caller that did not opt into fallbacks: the primary's answer or its catalogue error. The
   * breaker still counts (and an open circuit still protects the primary), and the cache still fills.
   */
  private async inferPrimaryOnly(served: ServedVersion, state: DeploymentState, inputs: TensorMap, outputNames: readonly string[], rows: number, hints: SchedulingHints, span?: RequestSpan): Promise<Answer> {
    const { clock } = this.options;
    const { chain, breaker } = state;
    const decision = breaker.decide(clock.now());
    if (decision === 'refuse') {
      throw new SwitchyardError('CIRCUIT_OPEN', `model '${served.model}' version ${served.version} is failing (circuit open); this request did not allow fallbacks (allow_fallback)`, {
        retryAfterSeconds: breaker.retryAfterSeconds(clock.now()),
      });
    }
    const cacheKey = chain.cache ? requestDigest(deploymentName(served), inputs, outputNames) : undefined;
    const tried = await this.tryPrimary(served, state, decision, cacheKey, inputs, outputNames, rows, hints, span);
    if (tried.answer) return tried.answer;
    throw tried.error;
  }

  /** One run on the primary: the breaker and the cache learn from it; a failure comes back as its catalogue error. */
  private async tryPrimary(
    served: ServedVersion,
    state: DeploymentState,
    /** The breaker's word on this request: a failed probe gives its slot back. */
    decision: CircuitDecision | 'skip',
    cacheKey: string | undefined,
    inputs: TensorMap,
    outputNames: readonly string[],
    rows: number,
    hints: SchedulingHints,
    span: RequestSpan | undefined,
  ): Promise<{ answer: Answer; error?: undefined } | { answer?: undefined; code: Refused['code']; error: SwitchyardError }> {
    const { scheduler, clock } = this.options;
    const { chain, breaker } = state;
    const live = await scheduler.submit(served, inputs, outputNames, rows, hints, span);
    if (live.ok) {
      breaker.success();
      if (chain.cache && cacheKey) chain.cache.put(cacheKey, live.outputs, clock.now());
      return { answer: { fallback: undefined, live } };
    }
    if (countsAsCircuitFailure(live.code)) breaker.failure(clock.now());
    else if (decision === 'probe') breaker.release();
    const error = live.code === 'INFERENCE_FAILED' ? new SwitchyardError('INFERENCE_FAILED', `inference failed on model '${served.model}' version ${served.version}`) : refusalError(live);
    return { code: live.code, error };
  }

  private async inferWithChain(served: ServedVersion, state: DeploymentState, inputs: TensorMap, outputNames: readonly string[], rows: number, hints: SchedulingHints, span?: RequestSpan): Promise<Answer> {
    const { scheduler, clock } = this.options;
    const { chain, breaker } = state;
    const deployment = deploymentName(served);
    const cacheKey = chain.cache ? requestDigest(deployment, inputs, outputNames) : undefined;
    // The primary's backend may take the input buffers to a worker: keep a copy for the links that need them.
    const spare = chain.needsInputs ? cloneInputs(inputs) : inputs;

    let reason: FallbackReason | undefined = this.isBurning(deployment) ? 'slo_burn' : undefined;
    const decision = reason ? 'skip' : breaker.decide(clock.now());
    if (decision === 'refuse') reason = 'circuit_open';
    let primaryError: SwitchyardError | undefined;
    if (!reason) {
      const tried = await this.tryPrimary(served, state, decision, cacheKey, inputs, outputNames, rows, hints, span);
      if (tried.answer) return tried.answer;
      primaryError = tried.error;
      reason = fallbackReasonFor(tried.code);
      if (!reason) throw primaryError;
    }

    const answer = await this.walk(chain, served, spare, outputNames, rows, hints, reason, cacheKey);
    if (answer) {
      this.options.metrics?.answered({ model: served.model, version: served.version, kind: answer.fallback.kind, reason });
      this.options.log.info({ model: served.model, version: served.version, fallback: `${answer.fallback.kind}:${answer.fallback.name}`, reason }, 'fallback answered');
      return answer;
    }
    this.options.metrics?.exhausted(served.model, served.version, reason);
    if (primaryError) throw primaryError;
    if (reason === 'slo_burn') {
      // Nothing in the chain could answer: the primary still may.
      const live = await scheduler.submit(served, spare, outputNames, rows, hints);
      if (!live.ok) throw refusalError(live);
      return { fallback: undefined, live };
    }
    throw new SwitchyardError('CIRCUIT_OPEN', `model '${served.model}' version ${served.version} is failing (circuit open) and no fallback could answer`, {
      retryAfterSeconds: breaker.retryAfterSeconds(clock.now()),
    });
  }

  /** The first link that answers, in chain order; undefined when none can. */
  private async walk(chain: FallbackChain, served: ServedVersion, inputs: TensorMap, outputNames: readonly string[], rows: number, hints: SchedulingHints, reason: FallbackReason, cacheKey: string | undefined): Promise<Extract<Answer, { fallback: FallbackUsed }> | undefined> {
    for (const link of chain.links) {
      const used = { kind: link.kind, name: link.name, reason };
      switch (link.kind) {
        case 'cache': {
          const outputs = cacheKey ? link.cache.get(cacheKey, this.options.clock.now()) : undefined;
          if (outputs) return { fallback: used, outputs };
          break;
        }
        case 'static':
          return { fallback: used, outputs: staticOutputs(link, served, outputNames, rows) };
        case 'rules':
          try {
            const result = await link.backend.run(cloneInputs(inputs), outputNames);
            return { fallback: used, outputs: result.outputs };
          } catch (error) {
            this.options.log.error({ err: error, model: served.model, version: served.version, rules: link.name }, 'rules fallback failed');
          }
          break;
        case 'deployment': {
          const live = await this.options.scheduler.submit(link.target, cloneInputs(inputs), outputNames, rows, hints);
          if (live.ok) return { fallback: { ...used, served: link.target, live }, outputs: live.outputs };
          break;
        }
      }
    }
    return undefined;
  }
}
