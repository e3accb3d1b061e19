/**
 * `switchyard audit verify [--head FILE]` walks the hash chain and names the first bad row;
 * `switchyard audit export [--head FILE]` prints every row as JSON Lines and saves the head,
 * which a later verify uses to detect rows cut off the end.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { verifyAuditChain } from '../registry/audit/audit-chain.js';
import { auditRows } from '../registry/audit/audit-rows.js';
import type { AuditHead } from '../registry/storage/rows.js';
import { storeOptions, withStorage, type StoreOptions } from './storage-command.js';

function readHead(path: string): AuditHead {
  const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<AuditHead>;
  if (!Number.isSafeInteger(value.seq) || typeof value.hash !== 'string' || !/^[0-9a-f]{64}$/.test(value.hash)) {
    throw new Error(`${path} is not an exported audit head ({"seq": N, "hash": "<64 hex>"})`);
  }
  return { seq: value.seq as number, hash: value.hash };
}

export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('verify or export the hash-chained audit log');

  storeOptions(audit.command('verify'))
    .description('check every row of the audit chain; exit 1 naming the first bad row')
    .option('--head <file>', 'a head saved by `audit export --head` (detects truncation)')
    .action((options: StoreOptions & { head?: string }) =>
      withStorage(options, async (storage) => {
        let head: AuditHead | undefined;
        try {
          head = options.head === undefined ? undefined : readHead(options.head);
        } catch (error) {
          process.stderr.write(`switchyard: ${(error as Error).message}\n`);
          process.exitCode = 2;
          return;
        }
        const verdict = await verifyAuditChain(auditRows(storage), head);
        if (verdict.ok) {
          process.stdout.write(`audit log ok: ${verdict.rows} rows, head seq ${verdict.head.seq} hash ${verdict.head.hash}\n`);
        } else {
          process.stdout.write(`audit log BROKEN at row ${verdict.badSeq}: ${verdict.reason}\n`);
          process.exitCode = 1;
        }
      }),
    );

  storeOptions(audit.command('export'))
    .description('print every audit row as JSON Lines (oldest first); --head saves the head for later verification')
    .option('--head <file>', 'write the head ({"seq", "hash"}) to this file')
    .action((options: StoreOptions & { head?: string }) =>
      withStorage(options, async (storage) => {
        const head = await storage.auditHead();
        let written = 0;
        for await (const row of auditRows(storage)) {
          if (row.seq > head.seq) break;
          process.stdout.write(`${JSON.stringify(row)}\n`);
          written += 1;
        }
        if (options.head !== undefined) writeFileSync(options.head, `${JSON.stringify({ ...head, exportedAt: new Date().toISOString(), rows: written })}\n`);
      }),
    );
}
