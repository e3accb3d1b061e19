/**
 * Sanity check run by the build after writing each model: the ONNX file must
 * load in onnxruntime-node and declare exactly the input/output names, element
 * types and ranks that model.yaml promises. This catches a contract that
 * drifted from the graph (a renamed output, a wrong datatype) at build time
 * instead of at the first request.
 */

import ort from 'onnxruntime-node';

import type { ModelVersionSpec, OipDatatype, TensorContract } from './repository.js';

const ORT_TYPES: Partial<Record<OipDatatype, string>> = {
  FP32: 'float32',
  FP64: 'float64',
  INT64: 'int64',
  INT32: 'int32',
  BOOL: 'bool',
  UINT8: 'uint8',
  INT8: 'int8',
};

export async function checkContract(spec: ModelVersionSpec): Promise<void> {
  const session = await ort.InferenceSession.create(spec.artifact);
  try {
    compare(spec.name, 'input', spec.inputs, session.inputMetadata);
    compare(spec.name, 'output', spec.outputs, session.outputMetadata);
  } finally {
    await session.release();
  }
}

function compare(model: string, kind: string, contract: readonly TensorContract[], actual: readonly ort.InferenceSession.ValueMetadata[]): void {
  const fail = (msg: string): never => {
    throw new Error(`${model}: ${kind} contract mismatch: ${msg}`);
  };
  const names = (xs: readonly { name: string }[]): string => xs.map((x) => x.name).join(',');
  if (names(contract) !== names(actual)) fail(`model.yaml lists [${names(contract)}], graph has [${names(actual)}]`);
  contract.forEach((t, i) => {
    const meta = actual[i];
    if (!meta?.isTensor) return fail(`${t.name} is not a tensor`);
    if (ORT_TYPES[t.datatype] !== meta.type) fail(`${t.name}: ${t.datatype} vs ${meta.type}`);
    if (meta.shape.length !== t.shape.length) fail(`${t.name}: rank ${t.shape.length} vs ${meta.shape.length}`);
    meta.shape.forEach((dim, j) => {
      const want = t.shape[j];
      if (typeof dim === 'number' && want !== -1 && want !== dim) fail(`${t.name}: dim ${j} is ${dim}, contract says ${want}`);
    });
  });
}
