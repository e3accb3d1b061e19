/**
 * What one batch of n rows costs on one replica, learned online. Each observed batch size keeps
 * an exponentially weighted mean; sizes never seen fall back to a line (base + perRow·n) fitted
 * to all observations with the same decay, seeded by the replica's prior.
 */
const DECAY = 0.9; // Why: about the last 10 batches dominate, quick to follow a device warming up.
const PRIOR_WEIGHT = 2;

export class ServiceTimeModel {
  private readonly mean: Float64Array;
  private readonly seen: Uint32Array;
  // Decayed sums for the least-squares line ms = base + perRow * n.
  private sw = 0;
  private sx = 0;
  private sy = 0;
  private sxx = 0;
  private sxy = 0;
  // The fitted line, refitted on each observation (predict runs far more often than observe).
  private lineBase = 0;
  private linePerRow = 0;

  constructor(
    readonly maxBatchSize: number,
    prior: { readonly baseMs: number; readonly perRowMs: number },
  ) {
    this.mean = new Float64Array(maxBatchSize + 1);
    this.seen = new Uint32Array(maxBatchSize + 1);
    // The prior enters as two weighted points on its line, so a few real batches outweigh it.
    this.addPoint(1, prior.baseMs, PRIOR_WEIGHT / 2);
    const far = Math.max(2, maxBatchSize);
    this.addPoint(far, prior.baseMs + prior.perRowMs * (far - 1), PRIOR_WEIGHT / 2);
    this.fit();
  }

  private addPoint(n: number, ms: number, weight: number): void {
    this.sw += weight;
    this.sx += weight * n;
    this.sy += weight * ms;
    this.sxx += weight * n * n;
    this.sxy += weight * n * ms;
  }

  observe(rows: number, ms: number): void {
    if (!(ms >= 0) || rows < 1) return;
    const n = Math.min(rows, this.maxBatchSize);
    this.mean[n] = this.seen[n] === 0 ? ms : DECAY * (this.mean[n] ?? ms) + (1 - DECAY) * ms;
    this.seen[n] = (this.seen[n] ?? 0) + 1;
    this.sw *= DECAY;
    this.sx *= DECAY;
    this.sy *= DECAY;
    this.sxx *= DECAY;
    this.sxy *= DECAY;
    this.addPoint(n, ms, 1);
    this.fit();
  }

  private fit(): void {
    const denominator = this.sw * this.sxx - this.sx * this.sx;
    if (Math.abs(denominator) < 1e-12) {
      this.lineBase = this.sy / this.sw;
      this.linePerRow = 0;
      return;
    }
    this.linePerRow = Math.max(0, (this.sw * this.sxy - this.sx * this.sy) / denominator);
    this.lineBase = (this.sy - this.linePerRow * this.sx) / this.sw;
  }

  /** Predicted milliseconds for one batch of `rows` rows (at least a microsecond). */
  predict(rows: number): number {
    const n = Math.max(1, Math.min(rows, this.maxBatchSize));
    const ms = (this.seen[n] ?? 0) >= 2 ? (this.mean[n] ?? 0) : this.lineBase + this.linePerRow * n;
    return Math.max(0.001, ms);
  }

  /** Predicted time to serve `rows` rows as full batches plus one remainder. */
  drain(rows: number): number {
    if (rows <= 0) return 0;
    const full = Math.floor(rows / this.maxBatchSize);
    const rest = rows - full * this.maxBatchSize;
    return full * this.predict(this.maxBatchSize) + (rest > 0 ? this.predict(rest) : 0);
  }
}
