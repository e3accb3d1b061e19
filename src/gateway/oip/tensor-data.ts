/**
 * Turns an OIP `data` array (flat, or nested to follow the shape) into a typed array of the
 * contract's datatype, checking each element's JSON type and range on the way. One pass, no
 * intermediate arrays on the flat path.
 */
import { DATATYPES, type Datatype, type DatatypeInfo, type TensorData } from '../../core/datatypes.js';
import { SwitchyardError } from '../../core/errors.js';
import { toHalfBits } from '../../core/float16.js';

type Writer = (value: unknown, index: number) => void;

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

function makeWriter(inputName: string, info: DatatypeInfo, target: TensorData): Writer {
  const invalid = (index: number, value: unknown, expected: string): SwitchyardError =>
    new SwitchyardError('INPUT_VALUE_INVALID', `input '${inputName}' element ${index}: ${info.name} needs ${expected}, got ${describeJson(value)}`);
  const outOfRange = (index: number, value: number): SwitchyardError =>
    new SwitchyardError('INPUT_VALUE_OUT_OF_RANGE', `input '${inputName}' element ${index}: ${value} is outside the ${info.name} range [${info.min}, ${info.max}]`);
  const { min, max } = info;
  switch (info.kind) {
    case 'float': {
      const out = target as Float32Array | Float64Array;
      return (value, index) => {
        if (typeof value !== 'number') throw invalid(index, value, 'a number');
        if (value < min || value > max) throw outOfRange(index, value);
        out[index] = value;
      };
    }
    case 'half': {
      const out = target as Uint16Array;
      return (value, index) => {
        if (typeof value !== 'number') throw invalid(index, value, 'a number');
        if (value < min || value > max) throw outOfRange(index, value);
        out[index] = toHalfBits(value);
      };
    }
    case 'integer': {
      const out = target as Int32Array;
      return (value, index) => {
        if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(index, value, 'an integer');
        if (value < min || value > max) throw outOfRange(index, value);
        out[index] = value;
      };
    }
    case 'bigint': {
      const out = target as BigInt64Array;
      return (value, index) => {
        if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(index, value, 'an integer');
        if (value < min || value > max) throw outOfRange(index, value);
        out[index] = BigInt(value);
      };
    }
    case 'bool': {
      const out = target as Uint8Array;
      return (value, index) => {
        if (typeof value !== 'boolean') throw invalid(index, value, 'true or false');
        out[index] = value ? 1 : 0;
      };
    }
    case 'string': {
      const out = target as string[];
      return (value, index) => {
        if (typeof value !== 'string') throw invalid(index, value, 'a string');
        out[index] = value;
      };
    }
  }
}

function lengthMismatch(inputName: string, message: string): SwitchyardError {
  return new SwitchyardError('INPUT_DATA_LENGTH_MISMATCH', `input '${inputName}': ${message}`);
}

/** Walks nested data; every level must have exactly the shape's length at that depth. */
function writeNested(inputName: string, data: readonly unknown[], shape: readonly number[], depth: number, offset: number, write: Writer): number {
  const expected = shape[depth] ?? 0;
  if (data.length !== expected) {
    throw lengthMismatch(inputName, `nested data has ${data.length} elements at depth ${depth} where shape [${shape.join(', ')}] needs ${expected}`);
  }
  if (depth === shape.length - 1) {
    for (let i = 0; i < data.length; i++) {
      const value = data[i];
      if (Array.isArray(value)) throw lengthMismatch(inputName, `nested data is deeper than the shape's rank ${shape.length}`);
      write(value, offset + i);
    }
    return offset + data.length;
  }
  let next = offset;
  for (const row of data) {
    if (!Array.isArray(row)) throw lengthMismatch(inputName, `nested data stops at depth ${depth + 1} but shape [${shape.join(', ')}] has rank ${shape.length}`);
    next = writeNested(inputName, row, shape, depth + 1, next, write);
  }
  return next;
}

export function decodeTensorData(inputName: string, datatype: Datatype, shape: readonly number[], count: number, data: readonly unknown[]): TensorData {
  const info = DATATYPES[datatype];
  const target = info.allocate(count);
  const write = makeWriter(inputName, info, target);
  const nested = data.length > 0 && Array.isArray(data[0]) && shape.length > 1;
  if (nested) {
    writeNested(inputName, data, shape, 0, 0, write);
    return target;
  }
  if (data.length !== count) {
    throw lengthMismatch(inputName, `data has ${data.length} elements but shape [${shape.join(', ')}] needs ${count}`);
  }
  // Scalars (rank 0) carry one element in a flat array of length 1.
  for (let i = 0; i < count; i++) {
    const value = data[i];
    if (Array.isArray(value)) throw lengthMismatch(inputName, 'data mixes nested arrays and scalars');
    write(value, i);
  }
  return target;
}
