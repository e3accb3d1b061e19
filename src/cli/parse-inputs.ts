/**
 * `--input name=values` for `switchyard infer`: values are comma-separated, or `@file.json`
 * holding a JSON array (flat or nested). Shapes come from `--shape name=2,8` or are worked out
 * from the model's metadata: the batch axis is 1 when it is not the only free dimension, and
 * the one remaining free dimension takes what the data length leaves.
 */
import { readFileSync } from 'node:fs';
import type { InferInput, JsonTensorData, ModelMetadata } from '../client/types.js';

export class InputParseError extends Error {}

function parseValues(text: string): JsonTensorData {
  if (text.startsWith('@')) {
    const parsed: unknown = JSON.parse(readFileSync(text.slice(1), 'utf8'));
    if (!Array.isArray(parsed)) throw new InputParseError(`${text.slice(1)} must hold a JSON array`);
    return parsed as JsonTensorData;
  }
  return text.split(',').map((raw) => {
    const value = raw.trim();
    if (value === 'true' || value === 'false') return value === 'true';
    const number = Number(value);
    if (value === '' || Number.isNaN(number)) throw new InputParseError(`'${value}' is not a number`);
    return number;
  });
}

function flatLength(data: JsonTensorData): number {
  return data.reduce<number>((n, item) => n + (Array.isArray(item) ? flatLength(item) : 1), 0);
}

function splitPair(pair: string, flag: string): [string, string] {
  const at = pair.indexOf('=');
  if (at <= 0) throw new InputParseError(`${flag} '${pair}' must look like name=value`);
  return [pair.slice(0, at), pair.slice(at + 1)];
}

function inferShape(name: string, contractShape: number[], batchAxis: number | undefined, length: number): number[] {
  const shape = [...contractShape];
  const free = shape.flatMap((dim, axis) => (dim === -1 ? [axis] : []));
  if (free.length > 1 && batchAxis !== undefined) shape[batchAxis] = 1;
  const stillFree = shape.flatMap((dim, axis) => (dim === -1 ? [axis] : []));
  const fixed = shape.reduce((n, dim) => (dim === -1 ? n : n * dim), 1);
  if (stillFree.length > 1) throw new InputParseError(`input '${name}' has several variable dimensions; give --shape ${name}=…`);
  const axis = stillFree[0];
  if (axis !== undefined) {
    if (length % fixed !== 0) throw new InputParseError(`input '${name}': ${length} values do not fill whole rows of ${fixed}`);
    shape[axis] = length / fixed;
  }
  return shape;
}

export function parseInputs(metadata: ModelMetadata, inputPairs: readonly string[], shapePairs: readonly string[]): InferInput[] {
  const shapes = new Map(shapePairs.map((pair) => {
    const [name, dims] = splitPair(pair, '--shape');
    return [name, dims.split(',').map((d) => Number(d.trim()))] as const;
  }));
  return inputPairs.map((pair) => {
    const [name, text] = splitPair(pair, '--input');
    const spec = metadata.inputs.find((input) => input.name === name);
    if (!spec) throw new InputParseError(`model '${metadata.name}' has no input '${name}'; inputs: ${metadata.inputs.map((i) => i.name).join(', ')}`);
    const data = parseValues(text);
    const shape = shapes.get(name) ?? inferShape(name, spec.shape, metadata.parameters.batch_axes?.[name], flatLength(data));
    return { name, datatype: spec.datatype, shape, data };
  });
}
