/** `switchyard keys create|list|revoke`: manage API keys in the store (changes are audited as local-cli). */
import type { Command } from 'commander';
import { createKey, revokeKey } from '../gateway/auth/keys-routes.js';
import { ROLES, type Role } from '../registry/storage/rows.js';
import { CLI_ACTOR, storeOptions, withStorage, type StoreOptions } from './storage-command.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('create, list and revoke API keys');

  storeOptions(keys.command('create'))
    .description(`create a key and print it once; roles: ${ROLES.join(', ')}`)
    .requiredOption('--role <role>', 'a role of the key; repeatable', collect, [])
    .option('--name <name>', 'what the key is for', '')
    .option('--tenant <tenant>', 'the tenant the key acts for (must exist)')
    .action((options: StoreOptions & { role: string[]; name: string; tenant?: string }) =>
      withStorage(options, async (storage) => {
        const unknown = options.role.filter((r) => !(ROLES as readonly string[]).includes(r));
        if (options.role.length === 0 || unknown.length > 0) {
          process.stderr.write(`switchyard: --role must be one of ${ROLES.join(', ')}${unknown.length ? `; got ${unknown.join(', ')}` : ''}\n`);
          process.exitCode = 2;
          return;
        }
        if (options.tenant !== undefined && !(await storage.getTenant(options.tenant))) {
          process.stderr.write(`switchyard: tenant '${options.tenant}' does not exist\n`);
          process.exitCode = 2;
          return;
        }
        const { row, text } = await createKey(storage, CLI_ACTOR, { name: options.name, roles: [...new Set(options.role)] as Role[], tenant: options.tenant ?? null });
        process.stdout.write(`created key ${row.id} (${row.roles.join(', ')}). It is shown only now:\n${text}\n`);
      }),
    );

  storeOptions(keys.command('list'))
    .description('list keys (never their secrets)')
    .option('--json', 'print JSON')
    .action((options: StoreOptions & { json?: boolean }) =>
      withStorage(options, async (storage) => {
        const rows = (await storage.listApiKeys()).map(({ hash: _hash, ...rest }) => rest);
        if (options.json) {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        for (const k of rows) process.stdout.write(`${k.id}  ${k.prefix}  ${k.roles.join(',')}  ${k.tenant ?? '-'}  ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}  ${k.name}\n`);
      }),
    );

  storeOptions(keys.command('revoke <id>'))
    .description('revoke a key (running servers stop accepting it within 5 s)')
    .action((id: string, options: StoreOptions) =>
      withStorage(options, async (storage) => {
        const row = await revokeKey(storage, CLI_ACTOR, id);
        if (!row) {
          process.stderr.write(`switchyard: no key has id '${id}'\n`);
          process.exitCode = 1;
          return;
        }
        process.stdout.write(`revoked key ${row.id} at ${row.revokedAt ?? ''}\n`);
      }),
    );
}
