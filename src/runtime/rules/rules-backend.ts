/**
 * The `rules` backend: deterministic answers from a declarative rules document (VADER
 * sentiment, or thresholds on features). It runs on the calling thread in microseconds, so
 * it serves as a model of its own and as a fallback when the primary model cannot answer.
 */
import type { ModelContract } from '../../core/contract.js';
import type { TensorMap } from '../../core/tensor.js';
import { describeCpu } from '../../hardware/cpu.js';
import { BackendError, type Backend, type BackendDescription, type BatchResult } from '../backend.js';
import { parseRulesDocument, RulesError, type RulesDocument } from './rules-document.js';
import { checkSentimentRules, runSentimentRules } from './sentiment-rules.js';
import { checkThresholdRules, compileThresholdRules, runThresholdRules } from './threshold-rules.js';

export class RulesBackend implements Backend {
  /** Runs settle before run() returns: none is ever in flight. */
  readonly inFlight = 0;
  private accepting = true;
  private readonly description: BackendDescription;
  private readonly run_: (inputs: TensorMap, outputNames: readonly string[]) => TensorMap;

  constructor(readonly document: RulesDocument, contract: ModelContract) {
    const cpu = describeCpu();
    this.description = { kind: 'rules', hardwareClass: cpu.hardwareClass, device: cpu.device, simulated: false, executionProvider: 'cpu' };
    if (document.kind === 'vader-sentiment') {
      this.run_ = (inputs) => runSentimentRules(document, inputs, contract);
    } else {
      const compiled = compileThresholdRules(document);
      this.run_ = (inputs, names) => runThresholdRules(document, compiled, inputs, contract, names);
    }
  }

  describe(): BackendDescription {
    return this.description;
  }

  /** Synchronous work behind a promise, so callers treat it like any backend. */
  run(inputs: TensorMap, outputNames: readonly string[]): Promise<BatchResult> {
    // Unloaded rules take no more work, as the contract says (they answered on before; the Backend suite caught it).
    if (!this.accepting) return Promise.reject(new BackendError('rules are unloading'));
    const started = performance.now();
    try {
      const outputs = this.run_(inputs, outputNames);
      return Promise.resolve({ outputs, queueMs: 0, computeMs: performance.now() - started, inline: true });
    } catch (error) {
      return Promise.reject(new BackendError('rules failed', { cause: error }));
    }
  }

  async unload(): Promise<void> {
    this.accepting = false;
  }
}

/** Loads a rules document for a contract; throws RulesError naming every mismatch. */
export function loadRulesBackend(bytes: Uint8Array, name: string, contract: ModelContract): RulesBackend {
  const document = parseRulesDocument(bytes, name);
  const problems = document.kind === 'vader-sentiment' ? checkSentimentRules(document, contract) : checkThresholdRules(document, contract);
  if (problems.length > 0) throw new RulesError(`rules ${name} do not fit the contract: ${problems.join('; ')}`);
  return new RulesBackend(document, contract);
}
