/**
 * Tensors to and from the OIP v2 an upstream speaks: JSON requests written as strings directly
 * (typed arrays written as text by core/tensor-json.ts, no intermediate arrays), or with the
 * binary tensor data extension when the upstream has it (raw bytes after a JSON header: no number
 * formatting or parsing on either side); answers checked against the contract's outputs before
 * they become tensors.
 */
import type { ModelContract, TensorSpec } from '../../core/contract.js';
import { DATATYPES, type Datatype, type TensorData } from '../../core/datatypes.js';
import { toHalfBits } from '../../core/float16.js';
import { shapeText, tensorDataJson } from '../../core/tensor-json.js';
import { elementCount, type Tensor, type TensorMap } from '../../core/tensor.js';
import { derivedOnce } from '../../core/derived-once.js';
import { BYTES_PER_ELEMENT, firstBadBool, fixedWidthBytes, fixedWidthFromBytes, type FixedWidthData } from '../../core/tensor-bytes.js';
import { BackendError } from '../backend.js';

/** The `outputs` member for a list of names, kept per list: requests share the contract's default list. */
const outputsOf = derivedOnce((outputNames: readonly string[]) => outputNames.map((n) => `{"name":${JSON.stringify(n)}}`).join(','));

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

/**
 * Whether the binary extension carries every tensor of this contract as raw bytes. BYTES tensors
 * would need its length-prefixed form: calls to such a contract stay JSON.
 */
export function binaryFits(contract: ModelContract): boolean {
  return [...contract.inputs, ...contract.outputs].every((t) => BYTES_PER_ELEMENT[t.datatype] !== undefined);
}

const binaryOutputsOf = derivedOnce((outputNames: readonly string[]) => outputNames.map((n) => `{"name":${JSON.stringify(n)},"parameters":{"binary_data":true}}`).join(','));

export interface BinaryRequest {
  readonly body: Buffer;
  /** Bytes of the JSON part: the Inference-Header-Content-Length header. */
  readonly headerLength: number;
}

/** Each input's fixed start in a binary request's JSON, built once per contract tensor. */
const binaryInputHead = derivedOnce((spec: TensorSpec) => `{"name":${JSON.stringify(spec.name)},"datatype":"${spec.datatype}","shape":[`);

/** The same call with the binary extension: inputs as raw bytes after the JSON, outputs asked for as raw bytes. */
export function encodeOipBinaryRequest(inputs: TensorMap, outputNames: readonly string[], contract: ModelContract): BinaryRequest {
  const heads: string[] = [];
  const blobs: Buffer[] = [];
  let size = 0;
  for (const spec of contract.inputs) {
    const tensor = inputs[spec.name];
    if (!tensor) continue;
    const bytes = fixedWidthBytes(tensor.data as FixedWidthData);
    // The tensor's datatype is the contract's: decoding checked it.
    heads.push(`${binaryInputHead(spec)}${shapeText(tensor.shape)}],"parameters":{"binary_data_size":${bytes.length}}}`);
    blobs.push(bytes);
    size += bytes.length;
  }
  const header = `{"inputs":[${heads.join(',')}],"outputs":[${binaryOutputsOf(outputNames)}]}`;
  const headerLength = Buffer.byteLength(header);
  const body = Buffer.allocUnsafe(headerLength + size);
  body.write(header, 0, 'utf8');
  let at = headerLength;
  for (const blob of blobs) {
    body.set(blob, at);
    at += blob.length;
  }
  return { body, headerLength };
}

function inputJson(name: string, tensor: Tensor): string {
  return `{"name":${JSON.stringify(name)},"datatype":"${tensor.datatype}","shape":[${shapeText(tensor.shape)}],"data":${tensorDataJson(tensor)}}`;
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
  parameters?: { binary_data_size?: unknown } | null;
}

/** An output's raw bytes, when it came as binary data: the next `binary_data_size` bytes after the JSON. */
function isDimension(d: unknown): boolean {
  return Number.isInteger(d) && (d as number) >= 0;
}

function binaryPart(what: string, raw: WireOutput, binary: Buffer | undefined, at: number): Buffer | undefined {
  const size = raw.parameters?.binary_data_size;
  if (size === undefined) return undefined;
  const available = binary === undefined ? 0 : binary.length - at;
  if (binary === undefined || typeof size !== 'number' || !Number.isInteger(size) || size < 0 || size > available) {
    throw invalid(what, `output '${String(raw.name)}' has binary_data_size ${JSON.stringify(size)} but ${available} bytes follow`);
  }
  return binary.subarray(at, at + size);
}

function binaryTensorData(what: string, name: string, datatype: Datatype, count: number, bytes: Buffer): TensorData {
  const data = fixedWidthFromBytes(datatype, count, bytes);
  if (!data) throw invalid(what, `output '${name}' has ${bytes.length} bytes of binary data for ${count} ${datatype} elements`);
  if (datatype === 'BOOL' && firstBadBool(data as Uint8Array) >= 0) throw invalid(what, `output '${name}' has a BOOL byte other than 0 or 1`);
  return data;
}

/**
 * The outputs of an OIP answer, checked against the contract: names, datatypes, ranks, element
 * counts. `binary`: the bytes after the JSON part of a binary answer, taken in output order.
 */
export function decodeOipOutputs(what: string, answer: unknown, contract: ModelContract, outputNames: readonly string[], binary?: Buffer): TensorMap {
  const wire = (answer as { outputs?: unknown } | null)?.outputs;
  if (!Array.isArray(wire)) throw invalid(what, 'no outputs array');
  const outputs: TensorMap = Object.create(null) as TensorMap;
  let at = 0;
  for (const raw of wire as WireOutput[]) {
    if (typeof raw?.name !== 'string') throw invalid(what, 'an output has no name');
    // Before any output is skipped: each one's bytes come in turn, asked for or not.
    const bytes = binaryPart(what, raw, binary, at);
    if (bytes) at += bytes.length;
    const spec = outputSpec(contract, raw.name);
    if (!spec || !outputNames.includes(raw.name)) continue;
    if (raw.datatype !== spec.datatype) throw invalid(what, `output '${raw.name}' is ${String(raw.datatype)}, the contract says ${spec.datatype}`);
    const shape = raw.shape;
    if (!Array.isArray(shape) || !shape.every(isDimension) || shape.length !== spec.shape.length) {
      throw invalid(what, `output '${raw.name}' has shape ${JSON.stringify(shape)}, the contract's rank is ${spec.shape.length}`);
    }
    if (!fitsShape(spec.shape, shape as number[])) throw invalid(what, `output '${raw.name}' has shape ${JSON.stringify(shape)}, the contract says ${JSON.stringify(spec.shape)}`);
    if (bytes) {
      outputs[raw.name] = { datatype: spec.datatype, shape: shape as number[], data: binaryTensorData(what, raw.name, spec.datatype, elementCount(shape as number[]), bytes) };
      continue;
    }
    const values: unknown[] = [];
    flatten(raw.data, values);
    if (values.length !== elementCount(shape as number[])) throw invalid(what, `output '${raw.name}' has ${values.length} elements for shape ${JSON.stringify(shape)}`);
    outputs[raw.name] = { datatype: spec.datatype, shape: shape as number[], data: toTensorData(what, raw.name, spec.datatype, values) };
  }
  if (binary !== undefined && at !== binary.length) throw invalid(what, `${binary.length - at} bytes follow the last output's binary data`);
  for (const name of outputNames) if (!outputs[name]) throw invalid(what, `output '${name}' is missing`);
  return outputs;
}
