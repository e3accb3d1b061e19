/**
 * Synthetic speech-like audio for exercising voice-activity models without
 * committing recordings.
 *
 * It is a classic source-filter vowel synthesiser (Klatt-style):
 *   1. Source: a Rosenberg glottal pulse train at a fundamental frequency (f0)
 *      around 120-200 Hz, with slow intonation drift and cycle-to-cycle jitter
 *      and shimmer, plus a little aspiration noise. Real voices are never
 *      perfectly periodic, and VAD models key on that irregularity.
 *   2. Filter: three cascaded second-order formant resonators. Each syllable
 *      picks a vowel (/a/, /e/, /i/, /o/, /u/ formant sets) and the formants
 *      glide between syllables, as in running speech.
 *   3. Lip radiation: a first difference (+6 dB/octave).
 *   4. Prosody: syllable-rate amplitude modulation (~4 Hz) with short gaps
 *      between syllables, the rhythm that distinguishes speech from a
 *      steady tone.
 *
 * Everything random comes from the seeded {@link Prng}, so the same seed gives
 * the same samples. Output is 16 kHz mono float audio in [-1, 1], cut into the
 * 512-sample frames Silero VAD consumes.
 */

import { Prng } from './prng.js';

export const SAMPLE_RATE = 16_000;
export const FRAME_SAMPLES = 512;

/** Formant frequencies (Hz) of a few vowels, adult male averages. */
const VOWELS: ReadonlyArray<readonly [number, number, number]> = [
  [730, 1090, 2440], // /a/
  [530, 1840, 2480], // /e/
  [270, 2290, 3010], // /i/
  [570, 840, 2410], // /o/
  [300, 870, 2240], // /u/
];
/** Formant bandwidths (Hz). */
const BANDWIDTHS = [90, 110, 170] as const;

export interface SpeechOptions {
  /** Seed for the PRNG (default 1). */
  seed?: number;
  /** Mean fundamental frequency in Hz (default 150). */
  f0?: number;
  /** Syllable rate in Hz (default 4). */
  syllableRate?: number;
  /** Peak amplitude of the output (default 0.5). */
  peak?: number;
}

/**
 * Makes `frames` consecutive frames of 512 samples (16 kHz) of speech-like
 * audio. Consecutive frames are contiguous audio, so a VAD carrying its
 * recurrent state across them sees one continuous utterance.
 */
export function makeSpeechFrames(frames: number, options: SpeechOptions = {}): Float32Array[] {
  const rng = new Prng(options.seed ?? 1);
  const f0Mean = options.f0 ?? 150;
  const syllableRate = options.syllableRate ?? 4;
  const peak = options.peak ?? 0.5;
  const n = frames * FRAME_SAMPLES;
  const out = new Float64Array(n);

  // Per-syllable plan: vowel and duration jitter.
  const syllableSamples = SAMPLE_RATE / syllableRate;
  let vowelFrom = VOWELS[rng.int(VOWELS.length)] ?? VOWELS[0]!;
  let vowelTo = VOWELS[rng.int(VOWELS.length)] ?? VOWELS[0]!;
  let syllableStart = 0;
  let syllableLength = syllableSamples * rng.uniform(0.8, 1.2);

  // Glottal source state.
  let phase = 0; // position within the current glottal period, in [0, 1)
  let periodF0 = f0Mean;
  let periodGain = 1;
  // Resonator state per formant.
  const y1 = [0, 0, 0];
  const y2 = [0, 0, 0];
  let prevFiltered = 0;

  for (let i = 0; i < n; i++) {
    // Advance to the next syllable when this one is over.
    if (i - syllableStart >= syllableLength) {
      syllableStart = i;
      syllableLength = syllableSamples * rng.uniform(0.8, 1.2);
      vowelFrom = vowelTo;
      vowelTo = VOWELS[rng.int(VOWELS.length)] ?? VOWELS[0]!;
    }
    const pos = (i - syllableStart) / syllableLength; // 0..1 inside syllable

    // Amplitude envelope: a voiced nucleus (~75 % of the syllable) with a
    // raised-cosine shape, and a near-silent consonant-like gap after it.
    const voiced = 0.75;
    const env = pos < voiced ? Math.sin((Math.PI * pos) / voiced) ** 2 : 0;

    // Slow intonation: f0 drifts +-15 % over a 1.3 s phrase.
    const t = i / SAMPLE_RATE;
    const f0 = f0Mean * (1 + 0.15 * Math.sin(2 * Math.PI * 0.75 * t));

    // Rosenberg glottal pulse: opening over 40 % of the period, closing over
    // 16 %, closed for the rest.
    phase += periodF0 / SAMPLE_RATE;
    if (phase >= 1) {
      phase -= 1;
      // New period: apply jitter (~1 %) and shimmer (~5 %).
      periodF0 = f0 * (1 + rng.normal(0, 0.01));
      periodGain = 1 + rng.normal(0, 0.05);
    }
    const open = 0.4;
    const close = 0.16;
    let glottal = 0;
    if (phase < open) glottal = 0.5 * (1 - Math.cos((Math.PI * phase) / open));
    else if (phase < open + close) glottal = Math.cos((Math.PI / 2) * ((phase - open) / close));
    let source = glottal * periodGain + rng.normal(0, 0.02); // + aspiration

    // Formants glide from the previous vowel to this one over the first 30 %.
    const glide = Math.min(1, pos / 0.3);
    for (let k = 0; k < 3; k++) {
      const freq = (vowelFrom[k] ?? 0) * (1 - glide) + (vowelTo[k] ?? 0) * glide;
      const r = Math.exp((-Math.PI * (BANDWIDTHS[k] ?? 100)) / SAMPLE_RATE);
      const a1 = 2 * r * Math.cos((2 * Math.PI * freq) / SAMPLE_RATE);
      const a2 = -r * r;
      const b0 = 1 - a1 - a2; // unity gain at DC
      const y = b0 * source + a1 * (y1[k] ?? 0) + a2 * (y2[k] ?? 0);
      y2[k] = y1[k] ?? 0;
      y1[k] = y;
      source = y;
    }
    // Lip radiation: first difference.
    out[i] = env * (source - prevFiltered);
    prevFiltered = source;
  }

  return toFrames(normalise(out, peak));
}

/**
 * Makes `frames` frames of white Gaussian noise with the given RMS level
 * (default 0.001, i.e. about -60 dBFS: a quiet room). `rms = 0` gives digital
 * silence.
 */
export function makeNoiseFrames(frames: number, rms = 0.001, seed = 2): Float32Array[] {
  const rng = new Prng(seed);
  const out = new Float64Array(frames * FRAME_SAMPLES);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal(0, rms);
  return toFrames(out);
}

function normalise(samples: Float64Array, peak: number): Float64Array {
  let max = 0;
  for (const s of samples) max = Math.max(max, Math.abs(s));
  if (max === 0) return samples;
  const gain = peak / max;
  return samples.map((s) => s * gain);
}

function toFrames(samples: Float64Array): Float32Array[] {
  const frames: Float32Array[] = [];
  for (let start = 0; start + FRAME_SAMPLES <= samples.length; start += FRAME_SAMPLES) {
    frames.push(Float32Array.from(samples.subarray(start, start + FRAME_SAMPLES)));
  }
  return frames;
}
