/**
 * Build-time check of a rules-backend model and of rules fallbacks: the rules document must
 * parse and fit the contract, exactly as the server will check it at load.
 */
import { parseModelConfig } from '../../src/registry/model-config.js';
import { loadRulesBackend } from '../../src/runtime/rules/rules-backend.js';
import type { ModelVersionSpec } from './repository.js';

function contractOf(spec: ModelVersionSpec): ReturnType<typeof parseModelConfig>['contract'] {
  const yaml = JSON.stringify({ backend: spec.backend ?? 'onnx', artifact: 'x', max_batch_size: spec.maxBatchSize, inputs: spec.inputs, outputs: spec.outputs });
  return parseModelConfig(yaml).contract;
}

export function checkRules(spec: ModelVersionSpec, file?: string): void {
  const bytes = file === undefined ? spec.artifact : new TextEncoder().encode(spec.extraFiles?.[file] ?? '');
  loadRulesBackend(bytes, `${spec.name}/${file ?? 'rules.json'}`, contractOf(spec));
}
