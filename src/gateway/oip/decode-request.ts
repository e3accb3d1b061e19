/**
 * Validates an OIP v2 inference request against a model version's contract and decodes it into
 * tensors. Everything a caller can get wrong is caught here with a catalogue code, before any
 * work reaches a backend.
 */
import { derivedOnce } from '../../core/derived-once.js';
import { isDatatype } from '../../core/datatypes.js';
import type { ModelContract, TensorSpec } from '../../core/contract.js';
import { SwitchyardError } from '../../core/errors.js';
import { elementCount, type TensorMap } from '../../core/tensor.js';
import { decodeTensorData } from './tensor-data.js';
import { decodeBinaryTensor } from './binary-tensors.js';

/** Why: 2^31-1 is the largest dimension ONNX Runtime's int64 shapes accept on every platform we ship. */
const MAX_DIMENSION = 2147483647;
const MAX_RANK = 16;

export interface DecodedRequest {
  readonly id: string | undefined;
  readonly inputs: TensorMap;
  readonly outputNames: readonly string[];
  /** Outputs the caller wants as raw bytes (binary tensor data extension). */
  readonly binaryOutputs: ReadonlySet<string>;
  /** Rows in the request's batch; 1 for a model that does not batch. */
  readonly batchSize: number;
  readonly parameters: Readonly<Record<string, unknown>>;
}

export interface DecodeLimits {
  readonly maxTensorElements: number;
}

function invalid(message: string): SwitchyardError {
  return new SwitchyardError('INVALID_REQUEST', message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkShape(name: string, shape: unknown, limits: DecodeLimits): number[] {
  if (!Array.isArray(shape)) throw invalid(`input '${name}': 'shape' must be an array of integers`);
  if (shape.length > MAX_RANK) throw new SwitchyardError('INPUT_SHAPE_INVALID', `input '${name}': rank ${shape.length} is over the limit of ${MAX_RANK}`);
  let count = 1;
  for (const dim of shape as unknown[]) {
    if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1 || dim > MAX_DIMENSION) {
      throw new SwitchyardError('INPUT_SHAPE_INVALID', `input '${name}': every dimension must be an integer from 1 to ${MAX_DIMENSION}, got ${JSON.stringify(dim)}`);
    }
    count *= dim;
  }
  if (count > limits.maxTensorElements) {
    throw new SwitchyardError('INPUT_SHAPE_INVALID', `input '${name}': shape [${shape.join(', ')}] has ${count} elements, over the limit of ${limits.maxTensorElements}`);
  }
  return shape as number[];
}

function checkAgainstContract(spec: TensorSpec, shape: readonly number[]): void {
  const fits = shape.length === spec.shape.length && spec.shape.every((dim, axis) => dim === -1 || dim === shape[axis]);
  if (!fits) {
    throw new SwitchyardError('INPUT_SHAPE_MISMATCH', `input '${spec.name}': shape [${shape.join(', ')}] does not fit the contract's [${spec.shape.join(', ')}] (-1 = any size)`);
  }
}

function flag(value: unknown, where: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new SwitchyardError('PARAMETER_INVALID', `${where} must be true or false`);
  return value;
}

/** What decoding needs of a contract beyond the contract itself, built once per contract. */
interface ContractIndex {
  readonly specs: ReadonlyMap<string, TensorSpec>;
  /** Every output name: what a request that names none gets. */
  readonly all: readonly string[];
  readonly noneBinary: ReadonlySet<string>;
  readonly allBinary: ReadonlySet<string>;
}

const indexOf = derivedOnce((contract: ModelContract): ContractIndex => {
  const all = contract.outputs.map((o) => o.name);
  return { specs: new Map(contract.inputs.map((spec) => [spec.name, spec])), all, noneBinary: new Set(), allBinary: new Set(all) };
});

function decodeOutputs(raw: unknown, index: ContractIndex, allBinary: boolean): { names: readonly string[]; binary: ReadonlySet<string> } {
  const { all } = index;
  if (raw === undefined || (Array.isArray(raw) && raw.length === 0)) return { names: all, binary: allBinary ? index.allBinary : index.noneBinary };
  if (!Array.isArray(raw)) throw invalid("'outputs' must be an array of objects with a 'name'");
  const names: string[] = [];
  const binary = new Set<string>();
  for (const [index, output] of (raw as unknown[]).entries()) {
    if (!isRecord(output) || typeof output.name !== 'string') throw invalid(`outputs[${index}] must be an object with a string 'name'`);
    if (!all.includes(output.name)) throw new SwitchyardError('OUTPUT_UNKNOWN', `output '${output.name}' is not in the contract; outputs are: ${all.join(', ')}`);
    if (names.includes(output.name)) throw new SwitchyardError('OUTPUT_UNKNOWN', `output '${output.name}' is requested twice`);
    if (output.parameters !== undefined && !isRecord(output.parameters)) throw invalid(`output '${output.name}': 'parameters' must be an object`);
    const wantsBinary = isRecord(output.parameters) ? flag(output.parameters.binary_data, `output '${output.name}' parameter binary_data`) : false;
    if (allBinary || wantsBinary) binary.add(output.name);
    names.push(output.name);
  }
  return { names, binary };
}

/** `binary`: the bytes after the JSON part of a binary-extension body, when there is one. */
export function decodeInferRequest(body: unknown, contract: ModelContract, limits: DecodeLimits, binary?: Buffer): DecodedRequest {
  if (!isRecord(body)) throw invalid("the body must be a JSON object with an 'inputs' array");
  const { id, parameters, inputs } = body;
  if (id !== undefined && typeof id !== 'string') throw invalid("'id' must be a string");
  if (parameters !== undefined && !isRecord(parameters)) throw invalid("'parameters' must be an object");
  if (!Array.isArray(inputs) || inputs.length === 0) throw invalid("'inputs' must be a non-empty array");
  const index = indexOf(contract);
  const { specs } = index;
  // No prototype: an input named `__proto__` must stay an ordinary key.
  const decoded: TensorMap = Object.create(null) as TensorMap;
  let batchSize: number | undefined;
  let batchSource = '';
  let binaryOffset = 0;
  for (let at = 0; at < inputs.length; at++) {
    const input: unknown = inputs[at];
    if (!isRecord(input)) throw invalid(`inputs[${at}] must be an object`);
    const { name, datatype, shape, data } = input;
    if (typeof name !== 'string') throw invalid(`inputs[${at}]: 'name' must be a string`);
    const spec = specs.get(name);
    if (!spec) throw new SwitchyardError('INPUT_UNEXPECTED', `input '${name}' is not in the contract; inputs are: ${[...specs.keys()].join(', ')}`);
    if (Object.hasOwn(decoded, name)) throw new SwitchyardError('INPUT_DUPLICATE', `input '${name}' appears more than once`);
    if (input.parameters !== undefined && !isRecord(input.parameters)) throw invalid(`input '${name}': 'parameters' must be an object`);
    const binarySize = isRecord(input.parameters) ? input.parameters.binary_data_size : undefined;
    if (!isDatatype(datatype) || datatype !== spec.datatype) {
      throw new SwitchyardError('INPUT_DATATYPE_MISMATCH', `input '${name}': datatype ${JSON.stringify(datatype)} does not match the contract's ${spec.datatype}`);
    }
    const dims = checkShape(name, shape, limits);
    checkAgainstContract(spec, dims);
    if (spec.batchAxis !== undefined) {
      const rows = dims[spec.batchAxis] ?? 0;
      if (rows > contract.maxBatchSize) {
        throw new SwitchyardError('BATCH_TOO_LARGE', `input '${name}': batch of ${rows} is over the model's max_batch_size of ${contract.maxBatchSize}`);
      }
      if (batchSize !== undefined && rows !== batchSize) {
        throw new SwitchyardError('BATCH_SIZE_MISMATCH', `input '${name}' has a batch of ${rows} but '${batchSource}' has ${batchSize}`);
      }
      batchSize = rows;
      batchSource = name;
    }
    if (binarySize !== undefined) {
      if (!binary) throw new SwitchyardError('PARAMETER_INVALID', `input '${name}': binary_data_size needs a binary body (content-type application/octet-stream with an Inference-Header-Content-Length header)`);
      if (data !== undefined) throw invalid(`input '${name}' has both 'data' and binary_data_size; send one`);
      if (typeof binarySize !== 'number' || !Number.isSafeInteger(binarySize) || binarySize < 0) throw new SwitchyardError('PARAMETER_INVALID', `input '${name}': binary_data_size must be a whole number of bytes`);
      if (binaryOffset + binarySize > binary.length) {
        throw new SwitchyardError('INPUT_DATA_LENGTH_MISMATCH', `input '${name}': binary_data_size ${binarySize} runs past the end of the binary data (${binary.length - binaryOffset} bytes left)`);
      }
      const bytes = binary.subarray(binaryOffset, binaryOffset + binarySize);
      binaryOffset += binarySize;
      decoded[name] = { datatype, shape: dims, data: decodeBinaryTensor(name, datatype, elementCount(dims), bytes) };
      continue;
    }
    if (!Array.isArray(data)) throw invalid(`input '${name}': 'data' must be an array`);
    decoded[name] = { datatype, shape: dims, data: decodeTensorData(name, datatype, dims, elementCount(dims), data) };
  }
  if (binary && binaryOffset !== binary.length) {
    throw invalid(`the binary data has ${binary.length - binaryOffset} bytes more than the inputs' binary_data_size values account for`);
  }
  // Every input in the loop was a distinct contract input (or it threw): fewer means some are missing.
  if (inputs.length !== specs.size) {
    const missing = contract.inputs.filter((spec) => !Object.hasOwn(decoded, spec.name)).map((spec) => spec.name);
    throw new SwitchyardError('INPUT_MISSING', `missing input${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  }
  const outputs = decodeOutputs(body.outputs, index, flag(parameters?.binary_data_output, 'parameter binary_data_output'));
  return {
    id,
    inputs: decoded,
    outputNames: outputs.names,
    binaryOutputs: outputs.binary,
    batchSize: batchSize ?? 1,
    parameters: parameters ?? {},
  };
}
