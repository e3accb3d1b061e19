/**
 * The response cache of a fallback chain: answers of the primary keyed by model version, the
 * requested outputs and the SHA-256 of the input tensors; bounded by entries and bytes (least
 * recently used goes first) and by a TTL on the host's clock.
 */
import { createHash } from 'node:crypto';
import type { TensorMap } from '../core/tensor.js';

export interface CacheSettings {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly ttlMs: number;
}

interface Entry {
  readonly outputs: TensorMap;
  readonly bytes: number;
  readonly expiresAtMs: number;
}

function dataBytes(data: TensorMap[string]['data']): number {
  return Array.isArray(data) ? data.reduce((n, s) => n + Buffer.byteLength(s) + 16, 0) : data.byteLength;
}

/** The digest of a request: every input's name, datatype, shape and data bytes, in name order. */
export function requestDigest(versionKey: string, inputs: TensorMap, outputNames: readonly string[]): string {
  const hash = createHash('sha256');
  hash.update(`${versionKey}\n${[...outputNames].sort().join(',')}\n`);
  for (const name of Object.keys(inputs).sort()) {
    const tensor = inputs[name]!;
    hash.update(`${name}:${tensor.datatype}:${tensor.shape.join('x')}:`);
    const { data } = tensor;
    if (Array.isArray(data)) for (const s of data) hash.update(`${Buffer.byteLength(s)}:${s}`);
    else hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return hash.digest('hex');
}

export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(readonly settings: CacheSettings) {}

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  get(key: string, nowMs: number): TensorMap | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAtMs <= nowMs) {
      this.bytes -= entry.bytes;
      return undefined;
    }
    this.entries.set(key, entry); // most recently used last
    return entry.outputs;
  }

  /** Stores a copy of the outputs; an answer larger than the whole budget is not kept. */
  put(key: string, outputs: TensorMap, nowMs: number): void {
    let bytes = key.length;
    const copy: TensorMap = {};
    for (const [name, t] of Object.entries(outputs)) {
      bytes += dataBytes(t.data) + 64;
      copy[name] = { datatype: t.datatype, shape: [...t.shape], data: t.data.slice() };
    }
    if (bytes > this.settings.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.bytes;
    }
    this.entries.set(key, { outputs: copy, bytes, expiresAtMs: nowMs + this.settings.ttlMs });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.settings.maxEntries && this.bytes <= this.settings.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }
}
