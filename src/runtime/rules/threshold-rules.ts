/** Threshold rules on numeric features: per row, the first rule whose conditions all hold sets the outputs. */
import type { ModelContract, TensorSpec } from '../../core/contract.js';
import type { TensorMap } from '../../core/tensor.js';
import type { ThresholdRules } from './rules-document.js';

const NUMERIC = new Set(['FP16', 'FP32', 'FP64', 'INT8', 'INT16', 'INT32', 'UINT8', 'UINT16', 'UINT32']);

function rowWidth(spec: TensorSpec): number {
  return spec.shape.reduce((n, dim, axis) => (axis === spec.batchAxis ? n : n * Math.max(1, dim)), 1);
}

export function checkThresholdRules(rules: ThresholdRules, contract: ModelContract): string[] {
  const problems: string[] = [];
  const input = contract.inputs.find((t) => t.name === rules.input);
  if (!input || !NUMERIC.has(input.datatype) || input.datatype === 'FP16' || input.shape.length !== 2 || input.batchAxis !== 0) {
    problems.push(`input '${rules.input}' must be a numeric [-1, k] input of the contract with batch axis 0`);
  } else if (input.shape[1] !== -1 && input.shape[1] !== rules.features.length) {
    problems.push(`input '${rules.input}' has ${input.shape[1]} columns but the rules name ${rules.features.length} features`);
  }
  const answers = [...rules.rules.map((r) => [`rule '${r.name}'`, r.outputs] as const), ['default', rules.default] as const];
  for (const [where, outputs] of answers) {
    for (const spec of contract.outputs) {
      const row = outputs[spec.name];
      if (!row) problems.push(`${where} has no '${spec.name}' output`);
      else if (spec.datatype !== 'FP32' && spec.datatype !== 'FP64') problems.push(`output '${spec.name}' must be FP32 or FP64 for threshold rules`);
      else if (row.length !== rowWidth(spec)) problems.push(`${where} '${spec.name}': ${row.length} values but a row has ${rowWidth(spec)}`);
    }
  }
  for (const rule of rules.rules) {
    for (const c of rule.when) if (!rules.features.includes(c.feature)) problems.push(`rule '${rule.name}': unknown feature '${c.feature}'`);
  }
  return problems;
}

/** The compiled form: conditions as column indexes, so a row is checked without lookups. */
interface Compiled {
  readonly when: readonly { column: number; above: number; below: number }[];
  readonly outputs: Readonly<Record<string, readonly number[]>>;
}

export function compileThresholdRules(rules: ThresholdRules): readonly Compiled[] {
  const compiled = rules.rules.map((r) => ({
    when: r.when.map((c) => ({ column: rules.features.indexOf(c.feature), above: c.above ?? Number.NEGATIVE_INFINITY, below: c.below ?? Number.POSITIVE_INFINITY })),
    outputs: r.outputs,
  }));
  return [...compiled, { when: [], outputs: rules.default }];
}

export function runThresholdRules(rules: ThresholdRules, compiled: readonly Compiled[], inputs: TensorMap, contract: ModelContract, outputNames: readonly string[]): TensorMap {
  const tensor = inputs[rules.input];
  const k = rules.features.length;
  const values = (tensor?.data ?? new Float32Array(0)) as ArrayLike<number>;
  const rows = Math.floor(values.length / k);
  const out: TensorMap = {};
  const chosen = Array.from({ length: rows }, (_, r) =>
    compiled.find((rule) => rule.when.every((c) => {
      const v = values[r * k + c.column] ?? Number.NaN;
      return v > c.above && v < c.below;
    }))!,
  );
  for (const name of outputNames) {
    const spec = contract.outputs.find((o) => o.name === name);
    if (!spec) continue;
    const width = rowWidth(spec);
    const data = spec.datatype === 'FP64' ? new Float64Array(rows * width) : new Float32Array(rows * width);
    chosen.forEach((rule, r) => data.set(rule.outputs[name] ?? [], r * width));
    out[name] = { datatype: spec.datatype, shape: spec.shape.map((d, axis) => (axis === spec.batchAxis ? rows : d)), data };
  }
  return out;
}
