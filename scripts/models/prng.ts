/**
 * Small seeded pseudo-random number generator shared by the demo-model
 * scripts (sensor dataset, speech-like test audio).
 *
 * Why our own: `Math.random()` cannot be seeded, and the model repository must
 * rebuild byte-for-byte identically, so every random draw in the build (data,
 * shuffling) comes from here. mulberry32 is a tiny 32-bit generator with good
 * enough statistical quality for simulation; Box-Muller turns its uniforms into
 * normal deviates. Only 32-bit integer ops and IEEE double maths are used, so
 * the sequence is identical on every platform Node runs on.
 */

export class Prng {
  private state: number;
  /** Second normal deviate produced by Box-Muller, kept for the next call. */
  private spareNormal: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform float in [0, 1) (mulberry32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Normal deviate with the given mean and standard deviation (Box-Muller). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return mean + std * z;
    }
    // 1 - next() lies in (0, 1], so the logarithm is finite.
    const u1 = 1 - this.next();
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return mean + std * r * Math.cos(2 * Math.PI * u2);
  }

  /** In-place Fisher-Yates shuffle; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }
}
