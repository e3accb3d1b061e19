/**
 * What sensor-anomaly's fallback chain and drift monitor need, derived from its own data so
 * the build stays deterministic:
 * - threshold rules (the `rules` fallback): for each fault class, the feature that moves
 *   furthest from healthy operation (in healthy standard deviations), alerting beyond the
 *   healthy 1st/99th percentile; first matching rule wins, else "normal".
 * - the drift reference: held-out feature rows and the served model's outputs on them.
 */
import { CLASSES, FEATURES, type Sample } from './sensor-data.js';
import { toJson } from './repository.js';

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

function percentile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))]!;
}

function mean(values: readonly number[]): number {
  return values.reduce((n, v) => n + v, 0) / values.length;
}

interface Rule {
  name: string;
  when: { feature: string; above?: number; below?: number }[];
  outputs: { anomaly_score: number[]; fault_probabilities: number[] };
  z: number;
}

/** One row of fault_probabilities: `p` on the class, the rest on normal. */
function row(classIndex: number, p: number): number[] {
  return CLASSES.map((_, i) => (i === classIndex ? p : i === 0 ? round(1 - p, 4) : 0));
}

export function sensorThresholdRules(train: readonly Sample[]): { json: string; rules: Rule[] } {
  const normal = train.filter((s) => s.label === 0);
  const rules: Rule[] = [];
  for (let c = 1; c < CLASSES.length; c++) {
    const faulty = train.filter((s) => s.label === c);
    let best: Rule | undefined;
    FEATURES.forEach((f, j) => {
      const healthy = normal.map((s) => s.features[j]!);
      const mu = mean(healthy);
      const sd = Math.sqrt(mean(healthy.map((v) => (v - mu) ** 2))) || 1;
      const z = (mean(faulty.map((s) => s.features[j]!)) - mu) / sd;
      if (best && Math.abs(z) <= Math.abs(best.z)) return;
      const when = z > 0 ? { feature: f.name, above: round(percentile(healthy, 0.99), 4) } : { feature: f.name, below: round(percentile(healthy, 0.01), 4) };
      best = { name: CLASSES[c]!, when: [when], outputs: { anomaly_score: [0.9], fault_probabilities: row(c, 0.9) }, z };
    });
    rules.push(best!);
  }
  // The most distinctive signature first: it is the least likely to fire by accident.
  rules.sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
  const doc = {
    kind: 'thresholds',
    description: 'Fallback rules derived by scripts/models/sensor-fallbacks.ts from the training data: per fault class, its most shifted feature beyond the healthy 1st/99th percentile.',
    input: 'features',
    features: FEATURES.map((f) => f.name),
    rules: rules.map(({ name, when, outputs }) => ({ name, when, outputs })),
    default: { anomaly_score: [0.05], fault_probabilities: row(0, 0).map((v, i) => (i === 0 ? 0.95 : 0.0125)) },
  };
  return { json: toJson(doc), rules };
}

/** Accuracy of the rules on rows: the share whose first matching rule names the true class. */
export function rulesAccuracy(rules: readonly Rule[], rows: readonly Sample[]): number {
  let right = 0;
  for (const s of rows) {
    const hit = rules.find((r) => r.when.every((c) => {
      const v = s.features[FEATURES.findIndex((f) => f.name === c.feature)]!;
      return (c.above === undefined || v > c.above) && (c.below === undefined || v < c.below);
    }));
    const predicted = hit ? CLASSES.indexOf(hit.name as (typeof CLASSES)[number]) : 0;
    if (predicted === s.label) right++;
  }
  return round(right / rows.length, 4);
}

/** Feature and output samples of the held-out rows, rounded so the file does not depend on float kernels. */
export function sensorDriftReference(test: readonly Sample[], anomalyScores: readonly number[], probabilities: readonly Float32Array[]): string {
  const inputs = Object.fromEntries(FEATURES.map((f, j) => [f.name, test.map((s) => round(s.features[j]!, 4))]));
  const outputs: Record<string, number[]> = { anomaly_score: anomalyScores.map((v) => round(v, 3)) };
  CLASSES.forEach((_, k) => (outputs[`fault_probabilities[${k}]`] = probabilities.map((p) => round(p[k]!, 3))));
  return toJson({
    description: 'Drift reference of sensor-anomaly: the held-out rows of its simulated dataset and the served model outputs on them (scripts/models/sensor-fallbacks.ts).',
    rows: test.length,
    inputs,
    outputs,
  });
}
