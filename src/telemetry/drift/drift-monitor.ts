/**
 * Drift of one deployment: per feature (input columns and outputs) a reference sample, from
 * the model's reference file or else the first N samples seen, and a rolling window of recent
 * samples; compared with PSI, Kolmogorov–Smirnov and Jensen–Shannon. A feature whose PSI
 * crosses 0.25 raises one alert (an SLO-style action) until it falls back under 0.1.
 */
import { jensenShannonFromShares, binShares, kolmogorovSmirnov, psiFromShares, psiLevel, quantileEdges, PSI_MODERATE, PSI_SIGNIFICANT, type PsiLevel } from './statistics.js';
import { SampleWindow } from './sample-window.js';

export type FeatureKind = 'input' | 'output';

export interface DriftSettings {
  readonly windowMs: number;
  readonly maxSamples: number;
  readonly referenceFirstN: number;
  /** Fewest window samples before statistics are reported. @default 30 */
  readonly minSamples?: number;
}

export interface FeatureDrift {
  readonly feature: string;
  readonly kind: FeatureKind;
  readonly referenceSource: 'file' | 'first_n' | 'pending';
  readonly referenceSize: number;
  readonly windowSize: number;
  /** Undefined until both samples are large enough. */
  readonly psi: number | undefined;
  readonly level: PsiLevel | undefined;
  readonly ks: { readonly statistic: number; readonly pValue: number } | undefined;
  readonly jensenShannon: number | undefined;
}

export interface DriftAlert {
  readonly deployment: string;
  readonly feature: string;
  readonly kind: FeatureKind;
  readonly psi: number;
  readonly reason: string;
}

interface Feature {
  readonly name: string;
  readonly kind: FeatureKind;
  reference: number[];
  source: 'file' | 'first_n';
  edges: number[];
  referenceShares: number[];
  readonly window: SampleWindow;
  alerting: boolean;
}

export class DriftMonitor {
  private readonly features = new Map<string, Feature>();

  constructor(
    readonly deployment: string,
    private readonly settings: DriftSettings,
    private readonly onAlert: (alert: DriftAlert) => void = () => {},
  ) {}

  /** Declares a feature; with a reference sample from a file, or learning it from the first N samples. */
  addFeature(name: string, kind: FeatureKind, reference?: readonly number[]): void {
    const feature: Feature = { name, kind, reference: [], source: 'first_n', edges: [], referenceShares: [], window: new SampleWindow(this.settings.maxSamples, this.settings.windowMs), alerting: false };
    if (reference && reference.length > 0) this.setReference(feature, [...reference], 'file');
    this.features.set(name, feature);
  }

  featureNames(): string[] {
    return [...this.features.keys()];
  }

  private setReference(feature: Feature, reference: number[], source: 'file' | 'first_n'): void {
    feature.reference = reference;
    feature.source = source;
    feature.edges = quantileEdges(reference, 10);
    feature.referenceShares = binShares(reference, feature.edges);
  }

  observe(name: string, value: number, nowMs: number): void {
    const feature = this.features.get(name);
    if (!feature || !Number.isFinite(value)) return;
    if (feature.source === 'first_n' && feature.reference.length < this.settings.referenceFirstN) {
      feature.reference.push(value);
      if (feature.reference.length === this.settings.referenceFirstN) this.setReference(feature, feature.reference, 'first_n');
      return;
    }
    feature.window.push(value, nowMs);
  }

  report(nowMs: number): FeatureDrift[] {
    const minSamples = this.settings.minSamples ?? 30;
    return [...this.features.values()].map((f) => {
      const window = f.window.snapshot(nowMs);
      const referenceReady = f.referenceShares.length > 0 && (f.source === 'file' || f.reference.length >= this.settings.referenceFirstN);
      const base = { feature: f.name, kind: f.kind, referenceSource: referenceReady ? f.source : 'pending' as const, referenceSize: f.reference.length, windowSize: window.length };
      if (!referenceReady || window.length < minSamples) return { ...base, psi: undefined, level: undefined, ks: undefined, jensenShannon: undefined };
      const shares = binShares(window, f.edges);
      const psi = psiFromShares(f.referenceShares, shares);
      this.checkAlert(f, psi);
      return { ...base, psi, level: psiLevel(psi), ks: kolmogorovSmirnov(f.reference, window), jensenShannon: jensenShannonFromShares(f.referenceShares, shares) };
    });
  }

  private checkAlert(feature: Feature, psi: number): void {
    if (!feature.alerting && psi >= PSI_SIGNIFICANT) {
      feature.alerting = true;
      this.onAlert({
        deployment: this.deployment,
        feature: feature.name,
        kind: feature.kind,
        psi,
        reason: `PSI ${psi.toFixed(3)} of ${feature.kind} '${feature.name}' is over ${PSI_SIGNIFICANT}: its distribution shifted from the reference`,
      });
    } else if (feature.alerting && psi < PSI_MODERATE) {
      feature.alerting = false;
    }
  }
}
