/**
 * The binary tensor data extension (KServe v2 / Triton): tensor contents travel as raw
 * little-endian bytes after the JSON part of the body instead of as JSON numbers, which for a
 * few thousand floats is the larger share of the serving cost (formatting floats as JSON costs
 * far more than copying their bytes: figures in docs/hot-path.md). BYTES elements are each a
 * 4-byte little-endian length followed by the bytes.
 */
import type { Datatype, TensorData } from '../../core/datatypes.js';
import { SwitchyardError } from '../../core/errors.js';
import { BYTES_PER_ELEMENT, firstBadBool, fixedWidthBytes, fixedWidthFromBytes, type FixedWidthData } from '../../core/tensor-bytes.js';

function mismatch(name: string, message: string): SwitchyardError {
  return new SwitchyardError('INPUT_DATA_LENGTH_MISMATCH', `input '${name}': ${message}`);
}

function decodeStrings(name: string, bytes: Buffer, count: number): string[] {
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 4 > bytes.length) throw mismatch(name, `binary BYTES data ends before element ${i}'s length`);
    const length = bytes.readUInt32LE(at);
    at += 4;
    if (at + length > bytes.length) throw mismatch(name, `binary BYTES element ${i} claims ${length} bytes but only ${bytes.length - at} remain`);
    out.push(bytes.toString('utf8', at, at + length));
    at += length;
  }
  if (at !== bytes.length) throw mismatch(name, `binary BYTES data has ${bytes.length - at} bytes after its ${count} elements`);
  return out;
}

/** Raw bytes -> a typed array of the datatype (copied, so it is aligned and owns its buffer). */
export function decodeBinaryTensor(name: string, datatype: Datatype, count: number, bytes: Buffer): TensorData {
  if (datatype === 'BYTES') return decodeStrings(name, bytes, count);
  const target = fixedWidthFromBytes(datatype, count, bytes);
  if (!target) {
    const size = BYTES_PER_ELEMENT[datatype] ?? 1;
    throw mismatch(name, `binary_data_size is ${bytes.length} bytes but shape needs ${count} x ${size} = ${count * size}`);
  }
  const bad = datatype === 'BOOL' ? firstBadBool(target as Uint8Array) : -1;
  if (bad >= 0) throw new SwitchyardError('INPUT_VALUE_INVALID', `input '${name}' element ${bad}: BOOL bytes must be 0 or 1, got ${(target as Uint8Array)[bad]}`);
  return target;
}

/** A tensor's contents as raw bytes for a binary response. */
export function encodeBinaryTensor(datatype: Datatype, data: TensorData): Buffer {
  if (datatype === 'BYTES') {
    const parts: Buffer[] = [];
    for (const value of data as string[]) {
      const bytes = Buffer.from(value, 'utf8');
      const length = Buffer.allocUnsafe(4);
      length.writeUInt32LE(bytes.length, 0);
      parts.push(length, bytes);
    }
    return Buffer.concat(parts);
  }
  return fixedWidthBytes(data as FixedWidthData);
}

/** Splits a binary body into its JSON header and the bytes after it. */
export function splitBinaryBody(body: Buffer, headerLength: string | string[] | undefined): { json: string; binary: Buffer } {
  const raw = Array.isArray(headerLength) ? headerLength[0] : headerLength;
  if (raw === undefined) {
    throw new SwitchyardError('INVALID_REQUEST', 'a binary (application/octet-stream) body needs an Inference-Header-Content-Length header giving the length of its JSON part');
  }
  const length = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || length > body.length) {
    throw new SwitchyardError('INVALID_REQUEST', `Inference-Header-Content-Length '${raw}' must be a byte count of at most the body's ${body.length} bytes`);
  }
  return { json: body.toString('utf8', 0, length), binary: body.subarray(length) };
}
