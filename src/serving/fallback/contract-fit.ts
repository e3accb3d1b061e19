/**
 * Whether one deployment can stand in for another: it must accept every request the primary's
 * contract accepts and answer every output the primary promises, with the same datatypes and
 * shapes. Checked once when the chain is compiled, never per request.
 */
import type { ModelContract, TensorSpec } from '../../core/contract.js';

function shapeFits(kind: string, want: TensorSpec, have: TensorSpec, problems: string[]): void {
  if (want.datatype !== have.datatype) problems.push(`${kind} '${want.name}': ${want.datatype} here but ${have.datatype} there`);
  if (want.shape.length !== have.shape.length) {
    problems.push(`${kind} '${want.name}': rank ${want.shape.length} here but ${have.shape.length} there`);
    return;
  }
  want.shape.forEach((dim, axis) => {
    const other = have.shape[axis];
    // A fixed dimension there must equal ours; a variable one there takes anything we send.
    if (other !== -1 && other !== dim) problems.push(`${kind} '${want.name}' axis ${axis}: ${dim} here but ${String(other)} there`);
  });
  if (want.batchAxis !== have.batchAxis) problems.push(`${kind} '${want.name}': batch axis differs`);
}

/** Problems that stop `target` standing in for `primary`; empty when it fits. */
export function contractFits(primary: ModelContract, target: ModelContract): string[] {
  const problems: string[] = [];
  for (const input of primary.inputs) {
    const there = target.inputs.find((t) => t.name === input.name);
    if (!there) problems.push(`input '${input.name}' is not accepted there`);
    else shapeFits('input', input, there, problems);
  }
  for (const input of target.inputs) {
    if (!primary.inputs.some((t) => t.name === input.name)) problems.push(`input '${input.name}' is required there but never sent here`);
  }
  for (const output of primary.outputs) {
    const there = target.outputs.find((t) => t.name === output.name);
    if (!there) problems.push(`output '${output.name}' is not produced there`);
    else shapeFits('output', output, there, problems);
  }
  if (primary.maxBatchSize > target.maxBatchSize) problems.push(`batches up to ${primary.maxBatchSize} here but only ${target.maxBatchSize} there`);
  return problems;
}
