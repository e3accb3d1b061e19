/**
 * Finds every external-data `location` an ONNX model names, by reading only the protobuf
 * fields on the way to a TensorProto (ModelProto → graphs, functions, training info → nodes →
 * attributes → tensors, initializers, sparse initializers). Every other field is skipped by
 * its wire type, so the reader needs no generated code; a malformed file is an error, never
 * a silent "no external data".
 */

/** Field numbers from onnx.proto (stable since IR version 3). */
const MODEL = { graph: 7, trainingInfo: 20, functions: 25 } as const;
const TRAINING_INFO = { initialization: 1, algorithm: 2 } as const;
const FUNCTION = { node: 7 } as const;
const GRAPH = { node: 1, initializer: 5, sparseInitializer: 15 } as const;
const NODE = { attribute: 5 } as const;
const ATTRIBUTE = { t: 5, g: 6, tensors: 10, graphs: 11, sparseTensor: 22, sparseTensors: 23 } as const;
const SPARSE = { values: 1, indices: 2 } as const;
const TENSOR = { externalData: 13 } as const;
const ENTRY = { key: 1, value: 2 } as const;
/** Why: real models nest subgraphs (If/Loop/Scan) a few levels; this bounds a hostile file. */
const MAX_DEPTH = 64;

export class OnnxParseError extends Error {}

type Visit = (field: number, bytes: Uint8Array) => void;

/** Calls `visit` for each length-delimited field of one message; skips the rest by wire type. */
function eachField(buf: Uint8Array, visit: Visit): void {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) throw new OnnxParseError('truncated varint');
      const byte = buf[pos++]!;
      if (shift < 53) result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if ((byte & 0x80) === 0) return result;
    }
    throw new OnnxParseError('varint longer than 10 bytes');
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) throw new OnnxParseError('field number 0');
    switch (wire) {
      case 0:
        varint();
        break;
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        const length = varint();
        if (pos + length > buf.length) throw new OnnxParseError('length-delimited field runs past the end');
        visit(field, buf.subarray(pos, pos + length));
        pos += length;
        break;
      }
      default:
        throw new OnnxParseError(`unsupported wire type ${wire}`);
    }
    if (pos > buf.length) throw new OnnxParseError('fixed-width field runs past the end');
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function text(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new OnnxParseError('a string field is not valid UTF-8');
  }
}

/** All external-data locations in an ONNX ModelProto, in file order (duplicates kept). */
export function externalDataLocations(model: Uint8Array): string[] {
  const out: string[] = [];
  const depthCheck = (depth: number): void => {
    if (depth > MAX_DEPTH) throw new OnnxParseError(`graphs nested deeper than ${MAX_DEPTH}`);
  };
  const tensor = (buf: Uint8Array): void =>
    eachField(buf, (field, bytes) => {
      if (field !== TENSOR.externalData) return;
      let key: string | undefined;
      let value: string | undefined;
      eachField(bytes, (f, b) => {
        if (f === ENTRY.key) key = text(b);
        else if (f === ENTRY.value) value = text(b);
      });
      if (key === 'location') out.push(value ?? '');
    });
  const sparse = (buf: Uint8Array): void =>
    eachField(buf, (field, bytes) => {
      if (field === SPARSE.values || field === SPARSE.indices) tensor(bytes);
    });
  const node = (buf: Uint8Array, depth: number): void =>
    eachField(buf, (field, bytes) => {
      if (field !== NODE.attribute) return;
      eachField(bytes, (f, b) => {
        if (f === ATTRIBUTE.t || f === ATTRIBUTE.tensors) tensor(b);
        else if (f === ATTRIBUTE.sparseTensor || f === ATTRIBUTE.sparseTensors) sparse(b);
        else if (f === ATTRIBUTE.g || f === ATTRIBUTE.graphs) graph(b, depth + 1);
      });
    });
  const graph = (buf: Uint8Array, depth: number): void => {
    depthCheck(depth);
    eachField(buf, (field, bytes) => {
      if (field === GRAPH.initializer) tensor(bytes);
      else if (field === GRAPH.sparseInitializer) sparse(bytes);
      else if (field === GRAPH.node) node(bytes, depth);
    });
  };
  eachField(model, (field, bytes) => {
    if (field === MODEL.graph) graph(bytes, 0);
    else if (field === MODEL.functions) eachField(bytes, (f, b) => (f === FUNCTION.node ? node(b, 0) : undefined));
    else if (field === MODEL.trainingInfo) {
      eachField(bytes, (f, b) => (f === TRAINING_INFO.initialization || f === TRAINING_INFO.algorithm ? graph(b, 0) : undefined));
    }
  });
  return out;
}
