/** The client-side commands: `switchyard models` and `switchyard infer`. */
import type { Command } from 'commander';
import { SwitchyardClient, SwitchyardClientError } from '../client/client.js';
import { parseInputs, InputParseError } from './parse-inputs.js';
import { CliUsageError, registerModelsSubcommands } from './models-commands.js';
import { registerSlosCommand } from './slos-command.js';

const DEFAULT_URL = process.env.SWITCHYARD_URL ?? 'http://127.0.0.1:8080';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function withClient(url: string, action: (client: SwitchyardClient) => Promise<void>, apiKey?: string): Promise<void> {
  const client = new SwitchyardClient({ baseUrl: url, ...(apiKey ? { apiKey } : {}) });
  try {
    await action(client);
  } catch (error) {
    if (error instanceof SwitchyardClientError) {
      process.stderr.write(`error ${error.status} ${error.code}: ${error.message}\n`);
    } else if (error instanceof InputParseError || error instanceof CliUsageError) {
      process.stderr.write(`error: ${error.message}\n`);
    } else if (error instanceof Error && /ECONNREFUSED/.test(`${error.message} ${String((error as { code?: string }).code)}`)) {
      process.stderr.write(`error: no Switchyard server answers at ${url}; start one with 'switchyard up'\n`);
    } else {
      throw error;
    }
    process.exitCode = 1;
  } finally {
    await client.close();
  }
}

export function registerClientCommands(program: Command): void {
  const models = program
    .command('models')
    .description('list the model versions the server serves (state, digest); subcommands manage the registry')
    .option('--url <url>', 'server address', DEFAULT_URL)
    .option('--json', 'print JSON')
    .action((options: { url: string; json?: boolean; apiKey?: string }) =>
      withClient(options.url, async (client) => {
        const entries = await client.repositoryIndex();
        if (options.json) {
          process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
          return;
        }
        const rows = [['MODEL', 'VERSION', 'STATE', 'DIGEST', 'REASON / DESCRIPTION']];
        for (const e of entries) rows.push([e.name, e.version, e.state, (e.digest ?? '').slice(0, 19), e.reason || (e.description ?? '')]);
        const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
        for (const row of rows) process.stdout.write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')}\n`);
      }, options.apiKey),
    );
  registerModelsSubcommands(models, DEFAULT_URL, (options, action) => withClient(options.url, action, options.apiKey));
  registerSlosCommand(program, DEFAULT_URL, (options, action) => withClient(options.url, action, options.apiKey));

  program
    .command('infer <model>')
    .description('run one inference: --input name=1,2,3 (or name=@file.json), repeatable')
    .option('--url <url>', 'server address', DEFAULT_URL)
    .option('--model-version <version>', 'model version (default: the newest ready one)')
    .option('--input <name=values>', 'an input tensor; repeat for each input', collect, [])
    .option('--shape <name=dims>', 'shape of an input, e.g. features=2,8', collect, [])
    .option('--output <name>', 'only this output; repeatable', collect, [])
    .action((model: string, options: { url: string; modelVersion?: string; input: string[]; shape: string[]; output: string[] }) =>
      withClient(options.url, async (client) => {
        const metadata = await client.modelMetadata(model, options.modelVersion);
        const inputs = parseInputs(metadata, options.input, options.shape);
        const outputs = options.output.length > 0 ? options.output.map((name) => ({ name })) : undefined;
        const { response } = await client.infer(model, { inputs, ...(outputs ? { outputs } : {}) }, options.modelVersion);
        process.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
      }),
    );
}
