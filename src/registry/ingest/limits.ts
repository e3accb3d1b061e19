/** Ingest limits, checked before anything is written. */
export interface IngestLimits {
  /** Sum of all file sizes after decompression. @default 2 GiB - 1 */
  readonly maxTotalBytes: number;
  /** One file. @default 2 GiB - 1 (protobuf's ceiling for one ONNX file) */
  readonly maxEntryBytes: number;
  /** Entries in an archive, folders included. @default 1024 */
  readonly maxEntries: number;
  /**
   * A gzip archive may inflate to at most this many times its compressed size (at least 1 MiB):
   * model weights compress about 1.1-2x, a bomb about 1000x. @default 100
   */
  readonly maxInflateRatio: number;
}

export const DEFAULT_INGEST_LIMITS: IngestLimits = Object.freeze({
  maxTotalBytes: 2 * 1024 * 1024 * 1024 - 1,
  maxEntryBytes: 2 * 1024 * 1024 * 1024 - 1,
  maxEntries: 1024,
  maxInflateRatio: 100,
});
