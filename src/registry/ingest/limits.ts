/** Ingest limits, checked before anything is written. */
export interface IngestLimits {
  /** Sum of all file sizes after decompression. @default 2 GiB - 1 */
  readonly maxTotalBytes: number;
  /** One file. @default 2 GiB - 1 (protobuf's ceiling for one ONNX file) */
  readonly maxEntryBytes: number;
  /** Entries in an archive, folders included. @default 1024 */
  readonly maxEntries: number;
}

export const DEFAULT_INGEST_LIMITS: IngestLimits = Object.freeze({
  maxTotalBytes: 2 * 1024 * 1024 * 1024 - 1,
  maxEntryBytes: 2 * 1024 * 1024 * 1024 - 1,
  maxEntries: 1024,
});
