/**
 * Drift sampling for every served version, off the hot path: every k-th request's inputs (and
 * every k-th primary answer's outputs) are copied as numbers into the deployment's monitor;
 * statistics are computed only when asked (the drift route, a metrics scrape).
 */
import { deploymentName } from '../../core/deployment-name.js';
import type { Clock } from '../../core/clock.js';
import type { DriftConfig } from '../../core/config.js';
import type { TensorMap } from '../../core/tensor.js';
import { DriftMonitor, type DriftAlert, type FeatureDrift } from '../../telemetry/drift/drift-monitor.js';
import { parseReferenceFile, type ReferenceSamples } from '../../telemetry/drift/reference-file.js';
import type { Logger } from '../../telemetry/logger.js';
import type { ServedVersion } from '../model-catalog.js';
import type { InferObserver } from '../infer-observer.js';
import { featureColumns, forEachValue, type FeatureColumn } from './feature-columns.js';

interface Tracked {
  readonly served: ServedVersion;
  readonly monitor: DriftMonitor;
  readonly inputs: readonly FeatureColumn[];
  readonly outputs: readonly FeatureColumn[];
  seenInputs: number;
  seenOutputs: number;
}

export interface DeploymentDrift {
  readonly deployment: string;
  readonly model: string;
  readonly version: string;
  readonly sample_every: number;
  readonly window_seconds: number;
  readonly features: readonly FeatureDrift[];
}

export class DriftTracker implements InferObserver {
  private readonly tracked = new Map<ServedVersion, Tracked>();
  private readonly byId = new Map<string, Tracked>();

  constructor(
    private readonly config: DriftConfig,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly onAlert: (alert: DriftAlert) => void = () => {},
  ) {}

  add(served: ServedVersion): void {
    const config = served.config;
    if (!config) return;
    const deployment = deploymentName(served);
    let reference: ReferenceSamples | undefined;
    if (served.driftReference) {
      try {
        reference = parseReferenceFile(served.driftReference);
      } catch (error) {
        this.log.warn({ model: served.model, version: served.version, reason: (error as Error).message }, 'drift reference ignored; learning it from the first requests');
      }
    }
    const columns = featureColumns(config.contract, config.metadata);
    const monitor = new DriftMonitor(deployment, this.config, (alert) => {
      // A drift alert is an SLO-style action: logged with its reason, and passed on (webhook alerter).
      this.log.warn({ action: 'drift_alert', deployment: alert.deployment, feature: alert.feature, kind: alert.kind, psi: alert.psi, reason: alert.reason }, 'drift alert');
      this.onAlert(alert);
    });
    for (const c of columns) monitor.addFeature(c.feature, c.kind, (c.kind === 'input' ? reference?.inputs : reference?.outputs)?.get(c.feature));
    const tracked: Tracked = { served, monitor, inputs: columns.filter((c) => c.kind === 'input'), outputs: columns.filter((c) => c.kind === 'output'), seenInputs: 0, seenOutputs: 0 };
    this.tracked.set(served, tracked);
    this.byId.set(deployment, tracked);
  }

  inputs(served: ServedVersion, inputs: TensorMap): void {
    const t = this.tracked.get(served);
    if (!t || t.seenInputs++ % this.config.sampleEvery !== 0) return;
    const now = this.clock.now();
    forEachValue(t.inputs, inputs, (feature, value) => t.monitor.observe(feature, value, now));
  }

  outputs(served: ServedVersion, outputs: TensorMap): void {
    const t = this.tracked.get(served);
    if (!t || t.seenOutputs++ % this.config.sampleEvery !== 0) return;
    const now = this.clock.now();
    forEachValue(t.outputs, outputs, (feature, value) => t.monitor.observe(feature, value, now));
  }

  has(deployment: string): boolean {
    return this.byId.has(deployment);
  }

  report(deployment: string): DeploymentDrift | undefined {
    const t = this.byId.get(deployment);
    if (!t) return undefined;
    return {
      deployment,
      model: t.served.model,
      version: t.served.version,
      sample_every: this.config.sampleEvery,
      window_seconds: this.config.windowMs / 1000,
      features: t.monitor.report(this.clock.now()),
    };
  }

  *rows(): Generator<{ model: string; version: string; features: FeatureDrift[] }> {
    const now = this.clock.now();
    for (const t of this.tracked.values()) yield { model: t.served.model, version: t.served.version, features: t.monitor.report(now) };
  }
}
