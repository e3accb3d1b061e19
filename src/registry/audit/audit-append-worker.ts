/**
 * The audit log's appender thread: its own connection to the same database, so hashing the
 * chain, the inserts and SQLite's synchronous commit (an fsync) never hold up the event loop.
 * Appends from here and from the main connection (control-plane changes) are serialised by the
 * audit_lock row, so they share one chain.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openStorage, type StorageSettings } from '../storage/open-storage.js';
import type { AuditEntryInput } from '../storage/rows.js';
import type { Storage } from '../storage/storage.js';
import { lowerThreadPriority } from '../../core/thread-priority.js';

/** Why 10: the same as the ONNX workers' default; summaries wait in memory, answers do not. */
const AUDIT_THREAD_NICE = 10;

export interface AppendMessage {
  readonly id: number;
  readonly entries: readonly AuditEntryInput[];
}

export type AppendReply = { readonly kind: 'ready' } | { readonly kind: 'open-failed'; readonly message: string } | { readonly id: number; readonly ok: true } | { readonly id: number; readonly ok: false; readonly message: string };

const port = parentPort;
if (!port) throw new Error('audit-append-worker must run in a worker thread');
// Background work: the event loop goes first when they contend for a core.
lowerThreadPriority(AUDIT_THREAD_NICE);

let storage: Storage | undefined;
try {
  storage = await openStorage(workerData as StorageSettings);
  port.postMessage({ kind: 'ready' } satisfies AppendReply);
} catch (error) {
  port.postMessage({ kind: 'open-failed', message: error instanceof Error ? error.message : String(error) } satisfies AppendReply);
}

if (storage) {
  const open = storage;
  // One append at a time, in arrival order: the chain's order is the order summaries were buffered.
  let chain: Promise<void> = Promise.resolve();
  port.on('message', (message: AppendMessage | 'close') => {
    if (message === 'close') {
      chain = chain.then(async () => {
        await open.close();
        port.close();
      });
      return;
    }
    chain = chain.then(async () => {
      try {
        await open.appendAudit(message.entries);
        port.postMessage({ id: message.id, ok: true } satisfies AppendReply);
      } catch (error) {
        port.postMessage({ id: message.id, ok: false, message: error instanceof Error ? error.message : String(error) } satisfies AppendReply);
      }
    });
  });
}
