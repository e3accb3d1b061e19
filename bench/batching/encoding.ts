/**
 * The two request encodings the load generator speaks, built once per distinct row:
 *
 * - `json`: the whole body is JSON, the row as `data` numbers, and so is the answer.
 * - `binary`: the binary tensor data extension (KServe v2 / Triton `binary_tensor_data`): the body
 *   is the JSON inference header (the input has `parameters.binary_data_size` instead of `data`)
 *   followed by the row's little-endian FP32 bytes, with `Inference-Header-Content-Length` giving
 *   the JSON part's length; `parameters.binary_data_output: true` asks for every output as bytes
 *   after the answer's JSON part in the same way.
 *
 * Answers are decoded to Float32Array either way, so both encodings are checked as FP32 values.
 */

export type Encoding = 'binary' | 'json';

export const ENCODINGS: readonly Encoding[] = ['binary', 'json'];

export const HEADER_LENGTH = 'inference-header-content-length';

/** One precomputed request: the body and the headers to send with it. */
export interface EncodedRequest {
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The request for one `[1, row.length]` FP32 row. JSON sends the numbers as given (short decimals
 * such as 0.1234); binary sends them rounded to FP32, which is what the server makes of the JSON
 * numbers too, so both encodings carry the same tensor.
 */
export function encodeRow(encoding: Encoding, inputName: string, row: readonly number[]): EncodedRequest {
  const shape = [1, row.length];
  if (encoding === 'json') {
    const body = Buffer.from(JSON.stringify({ inputs: [{ name: inputName, datatype: 'FP32', shape, data: row }] }), 'utf8');
    return { body, headers: { 'content-type': 'application/json' } };
  }
  const bytes = Buffer.alloc(row.length * 4);
  for (let i = 0; i < row.length; i++) bytes.writeFloatLE(row[i]!, i * 4);
  const header = Buffer.from(
    JSON.stringify({
      inputs: [{ name: inputName, datatype: 'FP32', shape, parameters: { binary_data_size: bytes.length } }],
      parameters: { binary_data_output: true },
    }),
    'utf8',
  );
  return {
    body: Buffer.concat([header, bytes]),
    headers: { 'content-type': 'application/octet-stream', [HEADER_LENGTH]: String(header.length) },
  };
}

interface AnswerOutput {
  name?: string;
  datatype?: string;
  shape?: number[];
  data?: unknown;
  parameters?: { binary_data_size?: unknown };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Little-endian FP32 bytes -> values (copied, so alignment does not matter). */
function floatsLE(bytes: Buffer): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/**
 * The first output of a 200 answer as FP32 values. Throws when the answer is not in the encoding
 * asked for (a server answering JSON to a binary request would be measured on the wrong path),
 * or is malformed.
 */
export function firstOutput(encoding: Encoding, body: Buffer, headers: Readonly<Record<string, string | string[] | undefined>>): Float32Array {
  const rawLength = headerValue(headers[HEADER_LENGTH]);
  const contentType = headerValue(headers['content-type']) ?? '';
  if (encoding === 'json') {
    if (rawLength !== undefined) throw new Error(`asked for JSON but the answer has ${HEADER_LENGTH}: ${rawLength}`);
    const text = body.toString('utf8');
    const parsed = JSON.parse(text) as { outputs?: AnswerOutput[] };
    const data = parsed.outputs?.[0]?.data;
    if (!Array.isArray(data)) throw new Error(`answer has no output data: ${text.slice(0, 200)}`);
    return Float32Array.from(data as number[]);
  }
  if (rawLength === undefined) {
    throw new Error(`asked for binary outputs but the answer (content-type ${contentType || 'none'}) has no ${HEADER_LENGTH}: ${body.toString('utf8', 0, 200)}`);
  }
  const jsonLength = Number(rawLength);
  if (!/^\d+$/.test(rawLength.trim()) || jsonLength > body.length) throw new Error(`${HEADER_LENGTH} '${rawLength}' is not a byte count within the answer's ${body.length} bytes`);
  const text = body.toString('utf8', 0, jsonLength);
  const parsed = JSON.parse(text) as { outputs?: AnswerOutput[] };
  const outputs = parsed.outputs ?? [];
  const first = outputs[0];
  if (first === undefined) throw new Error(`answer has no outputs: ${text.slice(0, 200)}`);
  if (first.datatype !== undefined && first.datatype !== 'FP32') throw new Error(`first output is ${first.datatype}, not FP32`);
  const size = first.parameters?.binary_data_size;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) throw new Error(`first output has no binary_data_size: ${text.slice(0, 200)}`);
  if (first.data !== undefined) throw new Error('first output has both binary_data_size and data');
  if (size % 4 !== 0) throw new Error(`first output's binary_data_size ${size} is not a whole number of FP32 values`);
  // The blobs follow the JSON part in output order; the first one starts right after it.
  let total = 0;
  for (const output of outputs) {
    const n = output.parameters?.binary_data_size;
    if (typeof n === 'number') total += n;
  }
  if (jsonLength + total !== body.length) throw new Error(`answer has ${body.length - jsonLength} bytes after its JSON part but its outputs' binary_data_size add up to ${total}`);
  const values = floatsLE(body.subarray(jsonLength, jsonLength + size));
  const count = first.shape?.reduce((a, b) => a * b, 1);
  if (count !== undefined && count !== values.length) throw new Error(`first output has shape [${first.shape!.join(',')}] but ${values.length} FP32 values`);
  return values;
}

/** Batched GEMMs may sum in another order than batch 1: allow float rounding, nothing more. */
export function sameOutput(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > 1e-3 * Math.max(1, Math.abs(b[i]!))) return false;
  return true;
}
