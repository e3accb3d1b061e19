/**
 * The SLO control loop: on each tick, evaluate every SLO, decide which actions are in force,
 * publish that state for the serving path (SloSignals), and log every change with its reason.
 * A pair that starts or stops firing is alerted (webhook, with retries) when the SLO has the
 * alert action. Time comes from the injected clock; only `start` owns a timer.
 */
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../telemetry/logger.js';
import type { SloBook } from '../../telemetry/slo/slo-book.js';
import type { SloEvaluation, SloMetrics } from '../../telemetry/slo/slo-metrics.js';
import type { SloState } from '../../telemetry/slo/slo-signals.js';
import type { FiringPair } from '../../telemetry/slo/slo-tracker.js';
import { decideState, describeFiring } from './decide.js';
import { postWebhook, type WebhookOptions, type WebhookResult } from './webhook.js';

export interface SloLoopOptions {
  readonly book: SloBook;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics?: SloMetrics;
  /** Where alerts go when an SLO names no webhook of its own. */
  readonly defaultWebhookUrl?: string;
  readonly webhook: WebhookOptions;
}

type ActionName = 'shed' | 'fallback' | 'freeze';
const ACTIONS: readonly ActionName[] = ['shed', 'fallback', 'freeze'];

function keyOf(f: FiringPair): string {
  return `${f.sli}:${f.pair.name}`;
}

export class SloControlLoop {
  private readonly last = new Map<string, SloEvaluation>();
  private readonly firing = new Map<string, Map<string, FiringPair>>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: SloLoopOptions) {}

  /** The last evaluation of each SLO, for /v1/slos and the SLO gauges. */
  evaluations(): IterableIterator<SloEvaluation> {
    return this.last.values();
  }

  lastEvaluation(id: string): SloEvaluation | undefined {
    return this.last.get(id);
  }

  /** One tick: evaluates, publishes, logs, alerts; resolves once the alerts are delivered or given up. */
  async evaluate(): Promise<void> {
    const { book, clock, log } = this.options;
    const now = clock.wallNow();
    const deliveries: Promise<unknown>[] = [];
    for (const tracker of book.all()) {
      const status = tracker.evaluate(now);
      const objective = status.objective;
      const state = decideState(status);
      const before = this.last.get(objective.id)?.state;
      this.logChanges(objective.id, before, state);
      book.setState(objective, state);
      this.last.set(objective.id, { status, state });

      const was = this.firing.get(objective.id) ?? new Map<string, FiringPair>();
      const now_ = new Map(status.firing.map((f) => [keyOf(f), f]));
      this.firing.set(objective.id, now_);
      const alerting = objective.actions.includes('alert');
      for (const [key, f] of now_) {
        if (was.has(key)) continue;
        const reason = describeFiring(objective.id, f);
        log.warn({ slo: objective.id, action: 'alert', severity: f.pair.severity, pair: f.pair.name, sli: f.sli, reason }, `SLO burn: ${reason}`);
        if (alerting) deliveries.push(this.alert(objective.id, 'firing', f, status, state));
      }
      for (const [key, f] of was) {
        if (now_.has(key)) continue;
        log.info({ slo: objective.id, action: 'resolve', pair: f.pair.name, sli: f.sli }, `SLO burn resolved: ${f.sli} ${f.pair.name} of ${objective.id}`);
        if (alerting) deliveries.push(this.alert(objective.id, 'resolved', f, status, state));
      }
    }
    await Promise.all(deliveries);
  }

  /** Ticks every `intervalMs`; a tick never overlaps the previous one. */
  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.evaluate()
        .catch((error: unknown) => this.options.log.error({ err: error }, 'SLO evaluation failed'))
        .finally(() => {
          this.running = undefined;
        });
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private logChanges(id: string, before: SloState | undefined, after: SloState): void {
    for (const action of ACTIONS) {
      const was = before?.[action] ?? false;
      if (was === after[action]) continue;
      if (after[action]) this.options.log.warn({ slo: id, action, reason: after.reason }, `SLO action ${action} on: ${after.reason ?? ''}`);
      else this.options.log.info({ slo: id, action, reason: 'burn rates back under their factors' }, `SLO action ${action} off for ${id}`);
    }
  }

  private async alert(id: string, state: 'firing' | 'resolved', f: FiringPair, status: SloEvaluation['status'], slo: SloState): Promise<WebhookResult | undefined> {
    const url = status.objective.webhookUrl ?? this.options.defaultWebhookUrl;
    if (url === undefined) {
      this.options.log.warn({ slo: id, action: 'alert' }, 'SLO alert not sent: no webhook_url on the SLO nor slo.webhook_url in the server config');
      return undefined;
    }
    const o = status.objective;
    const body = {
      slo: id,
      model: o.model,
      version: o.version,
      latency_class: o.latencyClass,
      state,
      severity: f.pair.severity,
      sli: f.sli,
      pair: f.pair.name,
      factor: f.pair.factor,
      long_burn_rate: f.longBurn,
      short_burn_rate: f.shortBurn,
      budget_remaining: status.budgetRemaining[f.sli],
      reason: describeFiring(id, f),
      actions: { shed: slo.shed, fallback: slo.fallback, freeze: slo.freeze },
      at: new Date(this.options.clock.wallNow()).toISOString(),
    };
    const result = await postWebhook(url, body, this.options.webhook);
    this.options.metrics?.alertSent(id, result.delivered ? 'delivered' : 'failed');
    const fields = { slo: id, action: 'alert', state, attempts: result.attempts, last: result.last };
    if (result.delivered) this.options.log.info(fields, 'SLO alert delivered');
    else this.options.log.error(fields, 'SLO alert failed after every retry');
    return result;
  }
}
