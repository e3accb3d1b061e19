/**
 * Tensors to and from the OIP v2 JSON an upstream speaks: requests written as strings directly
 * (typed arrays joined, no intermediate arrays), answers checked against the contract's
 * outputs before they become tensors.
 */
import type { ModelContract, TensorSpec } from '../../core/contract.js';
import { DATATYPES, type Datatype, type TensorData } from '../../core/datatypes.js';
import { fromHalfBits, toHalfBits } from '../../core/float16.js';
import { elementCount, type Tensor, type TensorMap } from '../../core/tensor.js';
import { BackendError } from '../backend.js';

function jsonData(tensor: Tensor): string {
  const { data } = tensor;
  switch (tensor.datatype) {
    case 'FP32':
    case 'FP64': {
      const values = data as Float32Array;
      for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return JSON.stringify(Array.from(values, (v) => (Number.isFinite(v) ? v : null)));
      return `[${values.join(',')}]`;
    }
    case 'FP16':
      return JSON.stringify(Array.from(data as Uint16Array, fromHalfBits));
    case 'BOOL':
      return JSON.stringify(Array.from(data as Uint8Array, (v) => v !== 0));
    case 'BYTES':
      return JSON.stringify(data);
    default:
      return `[${(data as Int32Array).join(',')}]`;
  }
}

/** The `outputs` member for a list of names, kept per list: requests share the contract's default list. */
const outputsJson = new WeakMap<readonly string[], string>();

function outputsOf(outputNames: readonly string[]): string {
  let json = outputsJson.get(outputNames);
  if (json === undefined) {
    json = outputNames.map((n) => `{"name":${JSON.stringify(n)}}`).join(',');
    outputsJson.set(outputNames, json);
  }
  return json;
}

/**
 * The body of POST /v2/models/{m}/infer for these inputs, asking for `outputNames`. Inputs are
 * written in the contract's order (every one is there: decoding checked it), which also spares
 * enumerating the map's keys per call.
 */
export function encodeOipRequest(inputs: TensorMap, outputNames: readonly string[], contract: ModelContract): string {
  const parts: string[] = [];
  for (const spec of contract.inputs) {
    const tensor = inputs[spec.name];
    if (tensor) parts.push(inputJson(spec.name, tensor));
  }
  return `{"inputs":[${parts.join(',')}],"outputs":[${outputsOf(outputNames)}]}`;
}

function inputJson(name: string, tensor: Tensor): string {
  return `{"name":${JSON.stringify(name)},"datatype":"${tensor.datatype}","shape":[${tensor.shape.join(',')}],"data":${jsonData(tensor)}}`;
}

function invalid(what: string, message: string): BackendError {
  return new BackendError(`${what}: ${message}`, { code: 'UPSTREAM_RESPONSE_INVALID', publicMessage: `the upstream answer does not fit the model contract: ${message}` });
}

function flatten(data: unknown, out: unknown[]): void {
  if (Array.isArray(data)) for (const item of data) flatten(item, out);
  else out.push(data);
}

function toTensorData(what: string, name: string, datatype: Datatype, values: readonly unknown[]): TensorData {
  const info = DATATYPES[datatype];
  const out = info.allocate(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (info.kind === 'string') {
      if (typeof v !== 'string') throw invalid(what, `output '${name}' element ${i} is not a string`);
      (out as string[])[i] = v;
    } else if (info.kind === 'bool') {
      if (typeof v !== 'boolean' && v !== 0 && v !== 1) throw invalid(what, `output '${name}' element ${i} is not a boolean`);
      (out as Uint8Array)[i] = v === true || v === 1 ? 1 : 0;
    } else if (v === null && (info.kind === 'float' || info.kind === 'half')) {
      // JSON writes NaN and infinities as null.
      (out as Float32Array)[i] = info.kind === 'half' ? toHalfBits(Number.NaN) : Number.NaN;
    } else if (typeof v !== 'number') {
      throw invalid(what, `output '${name}' element ${i} is not a number`);
    } else if (info.kind === 'bigint') {
      if (!Number.isInteger(v)) throw invalid(what, `output '${name}' element ${i} is not an integer`);
      (out as BigInt64Array)[i] = BigInt(v);
    } else if (info.kind === 'half') {
      (out as Uint16Array)[i] = toHalfBits(v);
    } else {
      (out as Float32Array)[i] = v;
    }
  }
  return out;
}

function outputSpec(contract: ModelContract, name: string): TensorSpec | undefined {
  for (const spec of contract.outputs) if (spec.name === name) return spec;
  return undefined;
}

/** Every fixed dimension of the contract's shape (-1 = any) matches; ranks are checked before. */
function fitsShape(expected: readonly number[], actual: readonly number[]): boolean {
  for (let i = 0; i < expected.length; i++) if (expected[i] !== -1 && expected[i] !== actual[i]) return false;
  return true;
}

interface WireOutput {
  name?: unknown;
  datatype?: unknown;
  shape?: unknown;
  data?: unknown;
}

/** The outputs of an OIP answer, checked against the contract: names, datatypes, ranks, element counts. */
export function decodeOipOutputs(what: string, answer: unknown, contract: ModelContract, outputNames: readonly string[]): TensorMap {
  const wire = (answer as { outputs?: unknown } | null)?.outputs;
  if (!Array.isArray(wire)) throw invalid(what, 'no outputs array');
  const outputs: TensorMap = Object.create(null) as TensorMap;
  for (const raw of wire as WireOutput[]) {
    if (typeof raw?.name !== 'string') throw invalid(what, 'an output has no name');
    const spec = outputSpec(contract, raw.name);
    if (!spec || !outputNames.includes(raw.name)) continue;
    if (raw.datatype !== spec.datatype) throw invalid(what, `output '${raw.name}' is ${String(raw.datatype)}, the contract says ${spec.datatype}`);
    const shape = raw.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0) || shape.length !== spec.shape.length) {
      throw invalid(what, `output '${raw.name}' has shape ${JSON.stringify(shape)}, the contract's rank is ${spec.shape.length}`);
    }
    if (!fitsShape(spec.shape, shape as number[])) throw invalid(what, `output '${raw.name}' has shape ${JSON.stringify(shape)}, the contract says ${JSON.stringify(spec.shape)}`);
    const values: unknown[] = [];
    flatten(raw.data, values);
    if (values.length !== elementCount(shape as number[])) throw invalid(what, `output '${raw.name}' has ${values.length} elements for shape ${JSON.stringify(shape)}`);
    outputs[raw.name] = { datatype: spec.datatype, shape: shape as number[], data: toTensorData(what, raw.name, spec.datatype, values) };
  }
  for (const name of outputNames) if (!outputs[name]) throw invalid(what, `output '${name}' is missing`);
  return outputs;
}
