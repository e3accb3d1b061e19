/**
 * Seeded generator of the `sensor-anomaly` training data.
 *
 * Each sample is one 0.8 s measurement window from a condition-monitoring
 * sensor on the drive-end bearing of a pump set: a 2-pole induction motor on a
 * variable-frequency drive, driving a 5-vane centrifugal pump through a
 * flexible coupling. Instead of drawing features from made-up distributions,
 * we simulate the radial vibration velocity waveform (5120 Hz, 4096 samples),
 * then measure it the way a real monitoring unit does (RMS, kurtosis, FFT band
 * energies), and add the temperature and current channels from simple
 * thermal/electrical relations. Fault classes change the physics, not the
 * features directly, so the features inherit realistic correlations and
 * overlaps (an incipient fault looks like a healthy machine at a different
 * operating point).
 *
 * Every random draw comes from the seeded {@link Prng}; the same parameters
 * give the same dataset, bit for bit. See models/sensor-anomaly/README.md for
 * the user-facing description.
 */

import { bandEnergy, kurtosis, powerSpectrum, rms } from './dsp.js';
import { Prng } from './prng.js';

/** The 8 input features, in model input order. */
export const FEATURES = [
  { name: 'vibration_rms', unit: 'mm/s', description: 'RMS radial vibration velocity at the drive-end bearing housing (the ISO 10816 severity measure)' },
  { name: 'vibration_kurtosis', unit: '1', description: 'kurtosis of the vibration waveform (about 3 for random vibration, 1.5-2 for smooth rotation, higher when impulsive)' },
  { name: 'energy_ratio_1x', unit: 'fraction', description: 'share of vibration energy within +-8% of the running speed (1x)' },
  { name: 'energy_ratio_2x', unit: 'fraction', description: 'share of vibration energy within +-8% of twice the running speed (2x)' },
  { name: 'energy_ratio_bearing', unit: 'fraction', description: 'share of vibration energy in the 1000-2500 Hz band where bearing-defect impacts ring the housing' },
  { name: 'bearing_temperature', unit: 'degC', description: 'drive-end bearing outer-ring temperature' },
  { name: 'ambient_temperature', unit: 'degC', description: 'air temperature next to the machine' },
  { name: 'motor_current', unit: 'A', description: 'RMS motor phase current (proxy for mechanical load)' },
] as const;

/** Output classes, in model output order. Index 0 must stay `normal`: anomaly_score = 1 - P(normal). */
export const CLASSES = ['normal', 'bearing_wear', 'imbalance', 'misalignment', 'overheating'] as const;
export type ClassName = (typeof CLASSES)[number];

export interface DatasetParams {
  seed: number;
  /** Total number of windows. */
  windows: number;
  /** Share of windows from healthy operation; the rest is split evenly over the fault classes. */
  normalFraction: number;
  /** Share of each class held out for evaluation (stratified split). */
  testFraction: number;
}

export const DEFAULT_PARAMS: DatasetParams = {
  seed: 20240611,
  windows: 6000,
  normalFraction: 0.5,
  testFraction: 0.2,
};

/** Vibration acquisition: 5120 Hz sampling, 4096-sample (0.8 s) windows, 1.25 Hz FFT bins. */
export const SAMPLE_RATE_HZ = 5120;
export const WINDOW_SAMPLES = 4096;

/** Machine constants (a ~15 kW pump set). */
const MAX_SHAFT_HZ = 49; // 2-pole motor at 50 Hz supply, ~2% slip
const MIN_SHAFT_HZ = 20; // lowest VFD set point
const PUMP_VANES = 5; // vane-pass frequency = 5x
const BPFO_ORDER = 3.05; // outer-race defect frequency / shaft speed for the bearing geometry
const NO_LOAD_CURRENT_A = 8.5; // magnetising current
const FULL_LOAD_CURRENT_A = 28;

export interface Sample {
  features: number[];
  label: number;
}

export interface Dataset {
  train: Sample[];
  test: Sample[];
}

/** Generates the full dataset and its stratified train/test split. */
export function generateDataset(params: DatasetParams = DEFAULT_PARAMS): Dataset {
  const rng = new Prng(params.seed);
  const labels: number[] = [];
  const normals = Math.round(params.windows * params.normalFraction);
  const perFault = Math.round((params.windows - normals) / (CLASSES.length - 1));
  for (let i = 0; i < normals; i++) labels.push(0);
  for (let c = 1; c < CLASSES.length; c++) for (let i = 0; i < perFault; i++) labels.push(c);

  const samples = labels.map((label) => ({ label, features: simulateWindow(rng, label) }));

  // Stratified split: shuffle each class with the seeded PRNG, hold out the
  // same fraction of every class.
  const train: Sample[] = [];
  const test: Sample[] = [];
  for (let c = 0; c < CLASSES.length; c++) {
    const ofClass = rng.shuffle(samples.filter((s) => s.label === c));
    const nTest = Math.round(ofClass.length * params.testFraction);
    test.push(...ofClass.slice(0, nTest));
    train.push(...ofClass.slice(nTest));
  }
  return { train, test };
}

/** Simulates one measurement window of the given class and returns its 8 features. */
export function simulateWindow(rng: Prng, label: number): number[] {
  const cls = CLASSES[label];
  if (cls === undefined) throw new Error(`unknown class index ${label}`);
  // Fault severity: from barely detectable (incipient) to severe.
  const severity = cls === 'normal' ? 0 : rng.uniform(0.08, 1);

  // --- Operating point -----------------------------------------------------
  const shaftHz = rng.uniform(MIN_SHAFT_HZ, MAX_SHAFT_HZ);
  const speed = shaftHz / MAX_SHAFT_HZ;
  // Centrifugal pump: shaft power ~ speed^3 (affinity laws), times a valve
  // throttling factor.
  const load = clamp(speed ** 3 * rng.uniform(0.7, 1.1), 0.05, 1.1);
  const slip = 0.025 * load;
  const lineHz = shaftHz / (1 - slip);
  const ambient = clamp(rng.normal(22, 8), -5, 45);

  // --- Vibration components (peak velocity, mm/s) -------------------------
  // Every healthy machine has some residual unbalance (1x), misalignment
  // (2x), hydraulic vane-pass vibration and electromagnetic 2x line frequency.
  let a1 = rng.uniform(0.4, 1.3) * speed ** 1.5;
  let a2 = rng.uniform(0.1, 0.4);
  let a3 = rng.uniform(0.02, 0.1);
  const aVane = (0.15 + 0.5 * load) * rng.uniform(0.7, 1.3);
  const aLine = rng.uniform(0.05, 0.25);
  const turbulence = (0.25 + 0.45 * load) * rng.uniform(0.8, 1.2); // flow noise std, < ~300 Hz
  let friction = 0.02; // high-frequency rubbing noise std

  let bearingTempRise = 10 + 18 * load + 7 * speed + rng.normal(0, 2);
  let currentFactor = 1;
  let bearingImpacts: { amplitude: number; resonanceHz: number; decayS: number } | undefined;

  switch (cls) {
    case 'normal':
      break;
    case 'bearing_wear':
      // Outer-race spall: an impact every ball pass, ringing the housing
      // resonance. Worn bearings also run a little warmer.
      bearingImpacts = {
        amplitude: severity * rng.uniform(2, 8),
        resonanceHz: rng.uniform(1300, 2300),
        decayS: rng.uniform(0.6e-3, 1.5e-3),
      };
      bearingTempRise += severity * rng.uniform(0, 4);
      break;
    case 'imbalance':
      // Mass unbalance: a rotating force at 1x, raising overall RMS.
      a1 *= 1 + severity * rng.uniform(2, 6);
      break;
    case 'misalignment':
      // Shaft misalignment: strong 2x (and some 3x and 1x), extra bearing
      // load, a little more current. An axial probe would see it best; this
      // radial sensor still sees the 2x.
      a2 += severity * rng.uniform(1.5, 4);
      a3 += severity * rng.uniform(0.2, 0.8);
      a1 *= 1 + severity * 0.5;
      bearingTempRise += severity * rng.uniform(2, 6);
      currentFactor += 0.03 * severity;
      break;
    case 'overheating':
      // Lubrication failure: friction heats the bearing well above what the
      // load explains, and metal contact adds a little high-frequency noise.
      bearingTempRise += severity * rng.uniform(8, 28);
      friction += severity * rng.uniform(0, 0.15);
      currentFactor += 0.02 * severity;
      break;
  }

  // Healthy pumps also see occasional impulsive events (cavitation bursts,
  // process knocks): a few random, non-periodic impacts. These make impulsive
  // windows ambiguous, as in the field.
  const knocks = cls === 'normal' && rng.next() < 0.12 ? 1 + rng.int(6) : 0;

  // --- Waveform -------------------------------------------------------------
  const x = new Float64Array(WINDOW_SAMPLES);
  const tones: Array<[number, number]> = [
    [a1, shaftHz],
    [a2, 2 * shaftHz],
    [a3, 3 * shaftHz],
    [aVane, PUMP_VANES * shaftHz],
    [aLine, 2 * lineHz],
  ];
  for (const [amplitude, freq] of tones) addTone(x, amplitude, freq, rng.uniform(0, 2 * Math.PI));
  // Flow turbulence: white noise through a one-pole low-pass (~300 Hz).
  const alpha = 1 - Math.exp((-2 * Math.PI * 300) / SAMPLE_RATE_HZ);
  const lpGain = Math.sqrt((2 - alpha) / alpha); // keeps the output std equal to `turbulence`
  // Friction noise and the sensor's own noise floor (0.03 mm/s) are both
  // white, so they are drawn as one deviate with the combined std.
  const whiteStd = Math.hypot(friction, 0.03);
  let lp = 0;
  for (let i = 0; i < WINDOW_SAMPLES; i++) {
    lp += alpha * (rng.normal(0, turbulence * lpGain) - lp);
    x[i] = (x[i] ?? 0) + lp + rng.normal(0, whiteStd);
  }
  if (bearingImpacts) {
    const period = 1 / (BPFO_ORDER * shaftHz);
    // Start before the window so the first ring-down is already in progress.
    for (let t = -rng.uniform(0, period); t < WINDOW_SAMPLES / SAMPLE_RATE_HZ; t += period * (1 + rng.normal(0, 0.015))) {
      const amplitude = bearingImpacts.amplitude * Math.exp(rng.normal(0, 0.3));
      addRingDown(x, t, amplitude, bearingImpacts.resonanceHz, bearingImpacts.decayS);
    }
  }
  for (let k = 0; k < knocks; k++) {
    const t = rng.uniform(0, WINDOW_SAMPLES / SAMPLE_RATE_HZ);
    addRingDown(x, t, rng.uniform(1, 5), rng.uniform(800, 2400), rng.uniform(0.5e-3, 2e-3));
  }

  // --- Measurement ------------------------------------------------------------
  const spectrum = powerSpectrum(x);
  const binHz = SAMPLE_RATE_HZ / WINDOW_SAMPLES;
  const total = bandEnergy(spectrum, binHz, 5, SAMPLE_RATE_HZ / 2);
  const ratio = (centre: number): number => {
    const half = Math.max(0.08 * centre, 2.5); // at least the Hann main lobe
    return bandEnergy(spectrum, binHz, centre - half, centre + half) / total;
  };

  const bearingTemp = ambient + bearingTempRise + rng.normal(0, 0.3);
  const current = (NO_LOAD_CURRENT_A + (FULL_LOAD_CURRENT_A - NO_LOAD_CURRENT_A) * load) * currentFactor * (1 + rng.normal(0, 0.01)) + rng.normal(0, 0.1);

  // Quantise to the resolution a monitoring unit would report.
  return [
    round(rms(x), 3),
    round(kurtosis(x), 3),
    round(ratio(shaftHz), 4),
    round(ratio(2 * shaftHz), 4),
    round(bandEnergy(spectrum, binHz, 1000, 2500) / total, 4),
    round(bearingTemp, 1),
    round(ambient + rng.normal(0, 0.2), 1),
    round(current, 2),
  ];
}

/**
 * Adds amplitude * sin(2*pi*freq*t + phase). The phasor is rotated by a
 * constant step each sample instead of calling Math.sin 4096 times: the
 * generator synthesises millions of samples and this keeps the build fast.
 */
function addTone(x: Float64Array, amplitude: number, freqHz: number, phase: number): void {
  const w = (2 * Math.PI * freqHz) / SAMPLE_RATE_HZ;
  const cw = Math.cos(w);
  const sw = Math.sin(w);
  let c = Math.cos(phase);
  let s = Math.sin(phase);
  for (let i = 0; i < x.length; i++) {
    x[i] = (x[i] ?? 0) + amplitude * s;
    const next = c * cw - s * sw;
    s = s * cw + c * sw;
    c = next;
  }
}

/** Adds a decaying sinusoid (an impact exciting a structural resonance) starting at time t0 (s). */
function addRingDown(x: Float64Array, t0: number, amplitude: number, freqHz: number, decayS: number): void {
  const start = Math.max(0, Math.ceil(t0 * SAMPLE_RATE_HZ));
  const end = Math.min(x.length, Math.ceil((t0 + 8 * decayS) * SAMPLE_RATE_HZ));
  for (let i = start; i < end; i++) {
    const dt = i / SAMPLE_RATE_HZ - t0;
    x[i] = (x[i] ?? 0) + amplitude * Math.exp(-dt / decayS) * Math.sin(2 * Math.PI * freqHz * dt);
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function round(v: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
}
