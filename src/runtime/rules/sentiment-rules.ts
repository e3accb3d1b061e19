/** Text sentiment from VADER's real lexicon (the vader-sentiment package), one row of scores per text. */
import vader from 'vader-sentiment';
import type { ModelContract } from '../../core/contract.js';
import type { TensorMap } from '../../core/tensor.js';
import type { SentimentRules } from './rules-document.js';

export function checkSentimentRules(rules: SentimentRules, contract: ModelContract): string[] {
  const problems: string[] = [];
  const input = contract.inputs.find((t) => t.name === rules.input);
  if (!input || input.datatype !== 'BYTES') problems.push(`input '${rules.input}' must be a BYTES input of the contract`);
  const output = contract.outputs.find((t) => t.name === rules.output);
  if (!output || (output.datatype !== 'FP32' && output.datatype !== 'FP64')) problems.push(`output '${rules.output}' must be an FP32 or FP64 output of the contract`);
  else if (output.shape.length !== 2 || (output.shape[1] !== -1 && output.shape[1] !== rules.scores.length)) problems.push(`output '${rules.output}' must have shape [-1, ${rules.scores.length}]`);
  return problems;
}

export function runSentimentRules(rules: SentimentRules, inputs: TensorMap, contract: ModelContract): TensorMap {
  const texts = inputs[rules.input]?.data as string[] | undefined ?? [];
  const k = rules.scores.length;
  const Float = contract.outputs.find((t) => t.name === rules.output)?.datatype === 'FP64' ? Float64Array : Float32Array;
  const data = new Float(texts.length * k);
  texts.forEach((text, row) => {
    const scores = vader.SentimentIntensityAnalyzer.polarity_scores(text);
    rules.scores.forEach((name, j) => (data[row * k + j] = scores[name]));
  });
  return { [rules.output]: { datatype: Float === Float64Array ? 'FP64' : 'FP32', shape: [texts.length, k], data } };
}
