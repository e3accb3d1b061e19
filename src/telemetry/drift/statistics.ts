/**
 * Drift statistics between a reference sample and a current sample of one feature: the
 * population stability index (PSI), the two-sample Kolmogorov–Smirnov test and the
 * Jensen–Shannon divergence. Pure functions over numbers; docs/drift.md shows the formulas.
 */

/** Why: an empty bin would make PSI infinite; this is the usual floor for a bin's share. */
const EPSILON = 1e-4;

/** PSI thresholds in common use: under 0.1 stable, 0.1 to 0.25 moderate shift, over 0.25 significant. */
export const PSI_MODERATE = 0.1;
export const PSI_SIGNIFICANT = 0.25;

export type PsiLevel = 'stable' | 'moderate' | 'significant';

export function psiLevel(psi: number): PsiLevel {
  return psi >= PSI_SIGNIFICANT ? 'significant' : psi >= PSI_MODERATE ? 'moderate' : 'stable';
}

function sorted(values: readonly number[]): number[] {
  return values.filter(Number.isFinite).sort((a, b) => a - b);
}

/** Inner bin edges at the reference's quantiles (deciles by default), duplicates removed. */
export function quantileEdges(reference: readonly number[], bins: number): number[] {
  const s = sorted(reference);
  const edges: number[] = [];
  if (s.length === 0) return edges;
  for (let i = 1; i < bins; i++) {
    const edge = s[Math.min(s.length - 1, Math.floor((i * s.length) / bins))]!;
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  return edges;
}

/** Shares of the values in each bin: bin i holds values v with edges[i-1] <= v < edges[i]. */
export function binShares(values: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  let n = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v < edges[mid]!) hi = mid;
      else lo = mid + 1;
    }
    counts[lo]! += 1;
    n += 1;
  }
  return counts.map((c) => (n === 0 ? 0 : c / n));
}

/** PSI = sum over bins of (current - reference) * ln(current / reference), shares floored at 1e-4. */
export function psiFromShares(reference: readonly number[], current: readonly number[]): number {
  let psi = 0;
  reference.forEach((r0, i) => {
    const r = Math.max(r0, EPSILON);
    const c = Math.max(current[i] ?? 0, EPSILON);
    psi += (c - r) * Math.log(c / r);
  });
  return psi;
}

export function psi(reference: readonly number[], current: readonly number[], bins = 10): number {
  const edges = quantileEdges(reference, bins);
  return psiFromShares(binShares(reference, edges), binShares(current, edges));
}

export interface KsResult {
  /** The largest distance between the two empirical CDFs. */
  readonly statistic: number;
  /** Asymptotic p-value (Kolmogorov distribution with Stephens' small-sample correction). */
  readonly pValue: number;
}

/** Q_KS(λ) = 2 Σ_{j≥1} (-1)^{j-1} e^{-2 j² λ²}: the probability that the Kolmogorov statistic exceeds λ. */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 1e-3) return 1;
  let sum = 0;
  let sign = 1;
  for (let j = 1; j <= 100; j++) {
    const term = sign * Math.exp(-2 * j * j * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
    sign = -sign;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

export function kolmogorovSmirnov(a: readonly number[], b: readonly number[]): KsResult {
  const x = sorted(a);
  const y = sorted(b);
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) return { statistic: 0, pValue: 1 };
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < n && x[i]! <= v) i++;
    while (j < m && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const en = Math.sqrt((n * m) / (n + m));
  return { statistic: d, pValue: kolmogorovQ((en + 0.12 + 0.11 / en) * d) };
}

/** JS divergence of two distributions (shares over the same bins), base 2 so it lies in [0, 1]. */
export function jensenShannonFromShares(p: readonly number[], q: readonly number[]): number {
  let js = 0;
  p.forEach((pi, i) => {
    const qi = q[i] ?? 0;
    const mi = (pi + qi) / 2;
    if (pi > 0) js += 0.5 * pi * Math.log2(pi / mi);
    if (qi > 0) js += 0.5 * qi * Math.log2(qi / mi);
  });
  return Math.max(0, js);
}

export function jensenShannon(reference: readonly number[], current: readonly number[], bins = 10): number {
  const edges = quantileEdges(reference, bins);
  return jensenShannonFromShares(binShares(reference, edges), binShares(current, edges));
}
