/**
 * Appends audit entries through a worker thread holding its own database connection (see
 * audit-append-worker.ts). A worker that dies fails the appends in flight (the audit buffer
 * keeps those rows and retries them) and is started again on the next append.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../core/module-worker.js';
import type { StorageSettings } from '../storage/open-storage.js';
import type { AuditEntryInput } from '../storage/rows.js';
import type { AppendMessage, AppendReply } from './audit-append-worker.js';

interface Pending {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class OffThreadAuditAppender {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private worker: Promise<Worker> | undefined;
  private closed = false;

  constructor(private readonly settings: StorageSettings) {}

  /** Opens the worker's connection now, so a broken database shows at start-up. */
  async start(): Promise<void> {
    await this.ensureWorker();
  }

  appendAudit(entries: readonly AuditEntryInput[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the audit appender is closed'));
    return this.ensureWorker().then(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          const id = this.nextId++;
          this.pending.set(id, { resolve, reject });
          worker.postMessage({ id, entries } satisfies AppendMessage);
        }),
    );
  }

  /** Waits for the appends in flight, then ends the worker. */
  async close(): Promise<void> {
    this.closed = true;
    const started = this.worker;
    if (!started) return;
    const worker = await started.catch(() => undefined);
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    await exited;
  }

  private ensureWorker(): Promise<Worker> {
    this.worker ??= new Promise<Worker>((resolve, reject) => {
      const worker = startModuleWorker(import.meta.url, 'audit-append-worker', this.settings);
      const failed = (error: Error): void => {
        this.worker = undefined;
        for (const p of this.pending.values()) p.reject(error);
        this.pending.clear();
        reject(error);
      };
      worker.on('message', (reply: AppendReply) => {
        if ('kind' in reply) {
          if (reply.kind === 'ready') resolve(worker);
          else {
            void worker.terminate();
            failed(new Error(`the audit appender could not open the database: ${reply.message}`));
          }
          return;
        }
        const pending = this.pending.get(reply.id);
        if (!pending) return;
        this.pending.delete(reply.id);
        if (reply.ok) pending.resolve();
        else pending.reject(new Error(reply.message));
      });
      worker.on('error', (error) => failed(error));
      worker.on('exit', (code) => {
        if (!this.closed || this.pending.size > 0) failed(new Error(`the audit appender thread exited with code ${code}`));
      });
    });
    return this.worker;
  }
}
