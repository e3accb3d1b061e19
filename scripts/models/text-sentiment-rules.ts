/**
 * text-sentiment-rules: a model served by the `rules` backend. Its artifact is a rules
 * document, not a network: VADER's real lexicon and heuristics (the vader-sentiment package)
 * score each text. It shows the rules backend in the demo and is the kind of deterministic
 * answer a fallback chain can end in.
 */
import { toJson, type ModelVersionSpec } from './repository.js';

const SCORES = ['neg', 'neu', 'pos', 'compound'] as const;

export function textSentimentRulesSpec(): ModelVersionSpec {
  const rules = {
    kind: 'vader-sentiment',
    description: 'VADER sentiment (Hutto and Gilbert, 2014) from the vader-sentiment package: lexicon, negation, intensifiers, punctuation and capitals.',
    input: 'text',
    output: 'scores',
    scores: SCORES,
  };
  return {
    name: 'text-sentiment-rules',
    version: 1,
    description: 'Sentiment of short English texts (operator notes, tickets) from the VADER lexicon: negative, neutral and positive shares and a compound score in [-1, 1].',
    latencyClass: 'realtime',
    maxBatchSize: 64,
    backend: 'rules',
    inputs: [{ name: 'text', datatype: 'BYTES', shape: [-1], batch_axis: 0, description: 'one UTF-8 text per row' }],
    outputs: [
      { name: 'scores', datatype: 'FP32', shape: [-1, SCORES.length], batch_axis: 0, description: `per text, in this order: ${SCORES.join(', ')}; compound >= 0.05 is positive, <= -0.05 negative` },
    ],
    metadata: {
      source: 'rules backend over the vader-sentiment package (vader_lexicon.txt)',
      license: 'MIT (vader-sentiment); Apache-2.0 (this config)',
      scores: SCORES.join(','),
    },
    artifact: new TextEncoder().encode(toJson(rules)),
  };
}
