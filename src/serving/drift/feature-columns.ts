/**
 * The features drift watches, derived from a contract: each column of a numeric [-1, k] or
 * [-1] tensor (named from the model's `features` metadata when it lists one per column of the
 * only input, else `<tensor>[j]`, or `<tensor>` for one column), and the length of each text
 * of a BYTES tensor (`<tensor>.length`).
 */
import type { ModelContract, TensorSpec } from '../../core/contract.js';
import type { TensorMap } from '../../core/tensor.js';
import type { FeatureKind } from '../../telemetry/drift/drift-monitor.js';

export interface FeatureColumn {
  readonly feature: string;
  readonly kind: FeatureKind;
  readonly tensor: string;
  readonly column: number;
  readonly width: number;
  readonly text: boolean;
}

/** Why: wider tensors (images, audio) are not tabular features; drift on them needs embeddings. */
const MAX_COLUMNS = 64;

function columnsOf(spec: TensorSpec, kind: FeatureKind, names: readonly string[] | undefined): FeatureColumn[] {
  if (spec.batchAxis !== 0 || spec.shape.length > 2) return [];
  if (spec.datatype === 'BYTES') return spec.shape.length === 1 ? [{ feature: `${spec.name}.length`, kind, tensor: spec.name, column: 0, width: 1, text: true }] : [];
  if (spec.datatype === 'BOOL' || spec.datatype === 'FP16') return [];
  const width = spec.shape.length === 1 ? 1 : (spec.shape[1] ?? -1);
  if (width < 1 || width > MAX_COLUMNS) return [];
  return Array.from({ length: width }, (_, j) => ({
    feature: names?.length === width ? names[j]! : width === 1 ? spec.name : `${spec.name}[${j}]`,
    kind,
    tensor: spec.name,
    column: j,
    width,
    text: false,
  }));
}

export function featureColumns(contract: ModelContract, metadata: Readonly<Record<string, string | number | boolean>>): FeatureColumn[] {
  const listed = typeof metadata.features === 'string' ? metadata.features.split(',').map((s) => s.trim()) : undefined;
  const names = contract.inputs.length === 1 ? listed : undefined;
  return [...contract.inputs.flatMap((s) => columnsOf(s, 'input', names)), ...contract.outputs.flatMap((s) => columnsOf(s, 'output', undefined))];
}

/** Calls `each(feature, value)` for every row of the tensors that columns name. */
export function forEachValue(columns: readonly FeatureColumn[], tensors: TensorMap, each: (feature: string, value: number) => void): void {
  for (const c of columns) {
    const data = tensors[c.tensor]?.data;
    if (!data) continue;
    if (c.text) {
      for (const text of data as string[]) each(c.feature, text.length);
      continue;
    }
    for (let i = c.column; i < data.length; i += c.width) each(c.feature, Number((data as ArrayLike<number | bigint>)[i]));
  }
}
