/**
 * `switchyard models push|list|show|approve|promote|retire`: the registry's admin API from the
 * command line. Plain `switchyard models` still lists the served versions (OIP repository index).
 * The API key comes from --api-key or SWITCHYARD_API_KEY.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { SwitchyardClient } from '../client/client.js';
import type { RegistryVersionSummary } from '../client/types.js';

/** A problem with the command line or a local file: printed as-is, exit code 1. */
export class CliUsageError extends Error {}

async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new CliUsageError(`cannot read ${path} (${error.code ?? 'error'})`);
  });
}

export type WithClient = (options: { url: string; apiKey?: string }, action: (client: SwitchyardClient) => Promise<void>) => Promise<void>;

/** The stage `promote` moves to when --to is not given. */
const NEXT: Record<string, string> = { draft: 'staged', staged: 'approved', approved: 'production' };

function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n') + '\n';
}

function versionRows(versions: readonly RegistryVersionSummary[]): string[][] {
  return versions.map((v) => [v.model, v.version, v.state, v.digest.slice(0, 19), v.breaking ? 'breaking' : '', v.created_by]);
}

async function readMetadata(path: string | undefined): Promise<Record<string, unknown>> {
  if (path === undefined) return {};
  let parsed: unknown;
  try {
    parsed = parseYaml(await readText(path), { maxAliasCount: 16 });
  } catch (error) {
    if (error instanceof CliUsageError) throw error;
    throw new CliUsageError(`${path}: not valid YAML or JSON (${(error as Error).message.split('\n')[0] ?? ''})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CliUsageError(`${path}: must be a mapping (contract, lineage, card, evaluations, ...)`);
  return parsed as Record<string, unknown>;
}

interface Common { url: string; apiKey?: string; json?: boolean }

export function registerModelsSubcommands(models: Command, defaultUrl: string, withClient: WithClient): void {
  // --url, --api-key and --json belong to `models` itself (commander hands them to the parent
  // wherever they appear), so each subcommand reads them merged with its own options.
  models.option('--api-key <key>', 'API key (default SWITCHYARD_API_KEY)', process.env.SWITCHYARD_API_KEY);
    const merged = <T>(command: Command): T & Common => command.optsWithGlobals<T & Common>();
  const print = (options: Common, value: unknown, text: string): void => {
    process.stdout.write(options.json ? `${JSON.stringify(value, null, 2)}\n` : text);
  };

  models.command('push <model> <version>')
    .description('push an immutable version: --artifact model.onnx | bundle.tar[.gz], or --source-url; metadata (contract, lineage, card, evaluations, signature) from --metadata')
    .option('--artifact <path>', 'an .onnx file or a tar / tar.gz archive')
    .option('--source-url <url>', 'an allow-listed URL the server fetches instead')
    .option('--metadata <file>', 'YAML or JSON with contract, lineage, card, evaluations, signature, description')
    .option('--contract <file>', 'YAML or JSON contract (overrides the one in --metadata)')
    .option('--card <file>', 'model card (Markdown)')
    .option('--breaking', 'declare a breaking contract change')
    .action((model: string, version: string, _options: unknown, command: Command) => {
      const options = merged<{ artifact?: string; sourceUrl?: string; metadata?: string; contract?: string; card?: string; breaking?: boolean }>(command);
      return withClient(options, async (client) => {
        if ((options.artifact === undefined) === (options.sourceUrl === undefined)) throw new CliUsageError('give exactly one of --artifact or --source-url');
        const metadata = await readMetadata(options.metadata);
        if (options.contract !== undefined) metadata.contract = await readMetadata(options.contract);
        if (options.card !== undefined) metadata.card = await readText(options.card);
        if (options.breaking) metadata.breaking = true;
        let pushed: RegistryVersionSummary;
        if (options.artifact !== undefined) {
          const bytes = await readFile(options.artifact).catch((error: NodeJS.ErrnoException) => {
            throw new CliUsageError(`cannot read ${options.artifact ?? ''} (${error.code ?? 'error'})`);
          });
          const name = basename(options.artifact);
          pushed = await client.pushVersion(model, version, metadata, bytes, name.endsWith('.onnx') ? name : undefined);
        } else {
          pushed = await client.pushVersionFromUrl(model, version, metadata, options.sourceUrl ?? '');
        }
        print(options, pushed, `pushed ${pushed.model} version ${pushed.version}: ${pushed.state}, ${pushed.digest}\n`);
      });
    });

  models.command('list')
    .description('list registry models and their versions with lifecycle state')
    .action((_options: unknown, command: Command) => {
      const options = merged<object>(command);
      return withClient(options, async (client) => {
        const list = await client.registryModels();
        print(options, list, table([['MODEL', 'VERSION', 'STATE', 'DIGEST', 'CHANGE', 'PUSHED BY'], ...list.flatMap((m) => versionRows(m.versions))]));
      });
    });

  models.command('show <model> [version]')
    .description('a model with its versions and deployment history, or one version with lineage, evaluations, approvals and card')
    .action((model: string, version: string | undefined, _options: unknown, command: Command) => {
      const options = merged<object>(command);
      return withClient(options, async (client) => {
        if (version !== undefined) {
          const detail = await client.registryVersion(model, version);
          // A version's detail is nested (contract, lineage, evaluations): YAML reads best.
          const { stringify } = await import('yaml');
          print(options, detail, stringify(detail));
          return;
        }
        const detail = await client.registryModel(model);
        const history = (detail.deployments ?? []).map((d) => [d.at, d.version, `${d.from ?? '-'} -> ${d.to}`, d.by, d.reason]);
        print(options, detail, table([['MODEL', 'VERSION', 'STATE', 'DIGEST', 'CHANGE', 'PUSHED BY'], ...versionRows(detail.versions)]) + '\n' + table([['AT', 'VERSION', 'TRANSITION', 'BY', 'REASON'], ...history]));
      });
    });

  models.command('approve <model> <version>')
    .description('approve (or --reject) a staged version; the key that pushed it cannot')
    .option('--reject', 'record a rejection instead')
    .option('--comment <text>', 'why', '')
    .action((model: string, version: string, _options: unknown, command: Command) => {
      const options = merged<{ reject?: boolean; comment: string }>(command);
      return withClient(options, async (client) => {
        const row = await client.approveVersion(model, version, options.reject ? 'reject' : 'approve', options.comment);
        print(options, row, `${options.reject ? 'rejected' : 'approved'} ${model} version ${version}\n`);
      });
    });

  models.command('promote <model> <version>')
    .description('move a version one stage on (draft -> staged -> approved -> production), or to --to')
    .option('--to <stage>', 'target stage: staged, approved, production (or draft to withdraw)')
    .option('--reason <text>', 'recorded in the deployment history', '')
    .action((model: string, version: string, _options: unknown, command: Command) => {
      const options = merged<{ to?: string; reason: string }>(command);
      return withClient(options, async (client) => {
        let to = options.to;
        if (to === undefined) {
          const current = await client.registryVersion(model, version);
          to = NEXT[String(current.state)];
          if (to === undefined) throw new CliUsageError(`version ${version} is ${String(current.state)}; nothing to promote to`);
        }
        const row = await client.transitionVersion(model, version, to, options.reason);
        print(options, row, `${model} version ${version} is now ${row.state}\n`);
      });
    });

  models.command('retire <model> <version>')
    .description('retire a version for good')
    .option('--reason <text>', 'recorded in the deployment history', '')
    .action((model: string, version: string, _options: unknown, command: Command) => {
      const options = merged<{ reason: string }>(command);
      return withClient(options, async (client) => {
        const row = await client.transitionVersion(model, version, 'retired', options.reason);
        print(options, row, `${model} version ${version} is now ${row.state}\n`);
      });
    });
}
