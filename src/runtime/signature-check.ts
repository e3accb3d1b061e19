/**
 * A contract must describe the artifact it fronts: every input the model needs, with the same
 * type and rank, and fixed dimensions that agree. Caught at load, so a wrong model.yaml never
 * turns into a runtime error on a caller's request.
 */
import { DATATYPES } from '../core/datatypes.js';
import type { ModelContract, TensorSpec } from '../core/contract.js';
import type { ArtifactSignature } from './backend.js';

type SignatureTensor = ArtifactSignature['inputs'][number];

function compare(kind: string, spec: TensorSpec, actual: SignatureTensor | undefined, problems: string[]): void {
  if (!actual) {
    problems.push(`${kind} '${spec.name}' is in the contract but not in the artifact`);
    return;
  }
  const expectedType = DATATYPES[spec.datatype].ortType;
  if (actual.type !== expectedType) problems.push(`${kind} '${spec.name}': contract says ${spec.datatype} (${expectedType}) but the artifact has ${actual.type}`);
  if (actual.shape.length !== spec.shape.length) {
    problems.push(`${kind} '${spec.name}': contract rank ${spec.shape.length} but the artifact's is ${actual.shape.length}`);
    return;
  }
  spec.shape.forEach((dim, axis) => {
    const real = actual.shape[axis];
    if (typeof real === 'number' && real >= 0 && dim !== -1 && dim !== real) {
      problems.push(`${kind} '${spec.name}' axis ${axis}: contract says ${dim} but the artifact says ${real}`);
    }
  });
}

export function checkSignature(contract: ModelContract, signature: ArtifactSignature): string[] {
  const problems: string[] = [];
  const inputs = new Map(signature.inputs.map((t) => [t.name, t]));
  const outputs = new Map(signature.outputs.map((t) => [t.name, t]));
  for (const spec of contract.inputs) compare('input', spec, inputs.get(spec.name), problems);
  for (const spec of contract.outputs) compare('output', spec, outputs.get(spec.name), problems);
  const declared = new Set(contract.inputs.map((t) => t.name));
  for (const name of inputs.keys()) {
    if (!declared.has(name)) problems.push(`the artifact needs input '${name}', which the contract does not declare`);
  }
  return problems;
}
