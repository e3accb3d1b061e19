/**
 * Signal-processing helpers for turning a simulated vibration waveform into
 * the summary features a condition-monitoring sensor would report.
 *
 * Kept separate from the simulation so each file has one job: sensor-data.ts
 * decides what the machine does, this file measures it.
 */

/** Root mean square of a signal. */
export function rms(x: Float64Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / x.length);
}

/**
 * Kurtosis (fourth standardised moment, not excess): 3 for Gaussian noise,
 * 1.5 for a pure sine, well above 3 for impulsive signals such as the
 * impacts of a damaged rolling-element bearing.
 */
export function kurtosis(x: Float64Array): number {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let m2 = 0;
  let m4 = 0;
  for (const v of x) {
    const d = v - mean;
    const d2 = d * d;
    m2 += d2;
    m4 += d2 * d2;
  }
  m2 /= x.length;
  m4 /= x.length;
  return m2 === 0 ? 0 : m4 / (m2 * m2);
}

/**
 * One-sided power spectrum |X_k|^2, k = 0..n/2, of a Hann-windowed signal
 * (the window limits leakage so a strong 1x line does not smear into the
 * neighbouring bands). Length must be a power of two.
 */
export function powerSpectrum(x: Float64Array): Float64Array {
  const n = x.length;
  if ((n & (n - 1)) !== 0) throw new Error(`FFT length ${n} is not a power of two`);
  const window = hann(n);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) re[i] = (x[i] ?? 0) * (window[i] ?? 0);
  fftInPlace(re, im);
  const out = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) out[k] = (re[k] ?? 0) ** 2 + (im[k] ?? 0) ** 2;
  return out;
}

/** Sum of spectrum bins whose centre frequency lies in [lo, hi] Hz. */
export function bandEnergy(spectrum: Float64Array, binHz: number, lo: number, hi: number): number {
  const first = Math.max(0, Math.ceil(lo / binHz));
  const last = Math.min(spectrum.length - 1, Math.floor(hi / binHz));
  let s = 0;
  for (let k = first; k <= last; k++) s += spectrum[k] ?? 0;
  return s;
}

const hannCache = new Map<number, Float64Array>();
function hann(n: number): Float64Array {
  let w = hannCache.get(n);
  if (!w) {
    w = new Float64Array(n);
    for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    hannCache.set(n, w);
  }
  return w;
}

/** cos/sin of -2*pi*k/n for k < n/2, cached per FFT length (the FFT runs thousands of times). */
const twiddleCache = new Map<number, [Float64Array, Float64Array]>();
function twiddles(n: number): [Float64Array, Float64Array] {
  let t = twiddleCache.get(n);
  if (!t) {
    const cos = new Float64Array(n / 2);
    const sin = new Float64Array(n / 2);
    for (let k = 0; k < n / 2; k++) {
      cos[k] = Math.cos((-2 * Math.PI * k) / n);
      sin[k] = Math.sin((-2 * Math.PI * k) / n);
    }
    t = [cos, sin];
    twiddleCache.set(n, t);
  }
  return t;
}

/** Iterative radix-2 Cooley-Tukey FFT. */
function fftInPlace(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  // Bit-reversal permutation.
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = re[i] ?? 0;
      re[i] = re[j] ?? 0;
      re[j] = tr;
      const ti = im[i] ?? 0;
      im[i] = im[j] ?? 0;
      im[j] = ti;
    }
  }
  const [cos, sin] = twiddles(n);
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const stride = n / size; // twiddle index step for this stage
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * stride] ?? 0;
        const wi = sin[k * stride] ?? 0;
        const a = start + k;
        const b = a + half;
        const br = re[b] ?? 0;
        const bi = im[b] ?? 0;
        const tr = wr * br - wi * bi;
        const ti = wr * bi + wi * br;
        const ar = re[a] ?? 0;
        const ai = im[a] ?? 0;
        re[b] = ar - tr;
        im[b] = ai - ti;
        re[a] = ar + tr;
        im[a] = ai + ti;
      }
    }
  }
}
