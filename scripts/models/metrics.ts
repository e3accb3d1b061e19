/**
 * Classification metrics for the sensor model's evaluation report:
 * confusion matrix, per-class precision/recall, accuracy, and the binary
 * "is anything wrong" view (normal vs any fault) at a score threshold.
 */

export interface ClassMetrics {
  precision: number;
  recall: number;
  support: number;
}

export interface MulticlassReport {
  accuracy: number;
  per_class: Record<string, ClassMetrics>;
  /** confusion_matrix[true][predicted] */
  confusion_matrix: number[][];
}

export function multiclassReport(labels: readonly number[], predicted: readonly number[], classNames: readonly string[]): MulticlassReport {
  const k = classNames.length;
  const cm = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  labels.forEach((y, i) => {
    const row = cm[y];
    const p = predicted[i] ?? 0;
    if (row) row[p] = (row[p] ?? 0) + 1;
  });
  const perClass: Record<string, ClassMetrics> = {};
  let correct = 0;
  classNames.forEach((name, c) => {
    const tp = cm[c]?.[c] ?? 0;
    correct += tp;
    const support = sum(cm[c] ?? []);
    const predictedAsC = sum(cm.map((row) => row[c] ?? 0));
    perClass[name] = { precision: round4(ratio(tp, predictedAsC)), recall: round4(ratio(tp, support)), support };
  });
  return { accuracy: round4(ratio(correct, labels.length)), per_class: perClass, confusion_matrix: cm };
}

export interface BinaryReport {
  threshold: number;
  precision: number;
  recall: number;
  false_positive_rate: number;
  true_positives: number;
  false_positives: number;
  false_negatives: number;
  true_negatives: number;
}

/** `anomalous[i]` is the ground truth; a score >= threshold predicts an anomaly. */
export function binaryReport(anomalous: readonly boolean[], scores: readonly number[], threshold: number): BinaryReport {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  anomalous.forEach((truth, i) => {
    const flagged = (scores[i] ?? 0) >= threshold;
    if (truth && flagged) tp++;
    else if (!truth && flagged) fp++;
    else if (truth) fn++;
    else tn++;
  });
  return {
    threshold,
    precision: round4(ratio(tp, tp + fp)),
    recall: round4(ratio(tp, tp + fn)),
    false_positive_rate: round4(ratio(fp, fp + tn)),
    true_positives: tp,
    false_positives: fp,
    false_negatives: fn,
    true_negatives: tn,
  };
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] ?? -Infinity) > (values[best] ?? -Infinity)) best = i;
  return best;
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

export function round4(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
