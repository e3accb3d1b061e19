#!/usr/bin/env node
/** `switchyard` — the command-line entry: `up` runs the embedded server; the rest are clients. */
import { Command, Option } from 'commander';
import { registerClientCommands } from '../cli/commands.js';
import { ConfigError } from '../core/config.js';
import { RepositoryError } from '../registry/model-repository.js';
import { createLogger } from '../telemetry/logger.js';
import { loadConfig, type TokenFileNote } from './config-sources.js';
import { registerHardwareCommand } from './hardware-command.js';
import { registerAgentCommand } from './agent-command.js';
import { registerSimCommand } from './sim-command.js';
import { registerAuditCommand } from './audit-command.js';
import { registerKeysCommand } from './keys-command.js';
import { createServer } from './server.js';
import { checkListen, listenProblem } from './listen-check.js';
import { SWITCHYARD_VERSION } from './version.js';

interface UpOptions {
  config?: string;
  host?: string;
  port?: string;
  modelRepository?: string;
  dataDir?: string;
  logLevel?: string;
  clusterToken?: string;
  clusterTokenFile?: string;
}

/** A bad configuration or repository stops start-up with its message and exit code 2. */
function refuseToStart(error: unknown): void {
  if (!(error instanceof ConfigError || error instanceof RepositoryError)) throw error;
  process.stderr.write(`switchyard: ${error.message}\n`);
  process.exitCode = 2;
}

/** One line on stderr and exit code 2, as for a bad configuration. */
function refuseWith(message: string): void {
  process.stderr.write(`switchyard: ${message}\n`);
  process.exitCode = 2;
}

/** Plain text, not a log line: the key must not end up in log storage. */
function showInitialKey(key: string | undefined): void {
  if (key) process.stdout.write(`switchyard: created the first admin API key. It is shown only now and stored hashed; keep it:\n  ${key}\n`);
}

/** `up` runs everything in one process; `gateway` is the same server taking agents and running no replicas itself. */
async function up(options: UpOptions, mode: 'up' | 'gateway' = 'up'): Promise<void> {
  let config;
  const note: TokenFileNote = {};
  try {
    config = loadConfig({
      flags: {
        host: options.host,
        port: options.port,
        model_repository: options.modelRepository,
        data_dir: options.dataDir,
        log_level: options.logLevel,
        'cluster.token': options.clusterToken,
        'cluster.token_file': options.clusterTokenFile,
        'cluster.local_replicas': mode === 'gateway' ? false : undefined,
      },
      configFile: options.config,
      env: process.env,
      cwd: process.cwd(),
      // A gateway creates a missing token file, so agents on this machine can read it.
      createTokenFile: true,
      note,
    });
  } catch (error) {
    return refuseToStart(error);
  }
  if (mode === 'gateway' && !config.cluster.token) return refuseToStart(new ConfigError(['cluster.token: `switchyard gateway` needs a join token (--cluster-token-file, SWITCHYARD_CLUSTER_TOKEN_FILE, SWITCHYARD_CLUSTER_TOKEN or cluster.token)']));
  // Before anything is created: a taken port must not cost the first admin key (or leave a store behind).
  const portProblem = await checkListen(config.host, config.port);
  if (portProblem) return refuseWith(portProblem);
  const log = createLogger(config.logLevel);
  if (note.createdTokenFile) log.info({ file: note.createdTokenFile }, `created a new cluster token in ${note.createdTokenFile} (mode 0600); agents read it with --token-file`);
  let server;
  try {
    server = await createServer({ config, log });
  } catch (error) {
    return refuseToStart(error);
  }
  let address: string;
  try {
    address = await server.app.listen({ host: config.host, port: config.port });
  } catch (error) {
    // Taken between the check and now: the key already stored is still shown, so it is never lost.
    showInitialKey(server.initialAdminKey);
    await server.close();
    const problem = listenProblem(error, config.host, config.port);
    if (problem === undefined) throw error;
    return refuseWith(problem);
  }
  const ready = server.catalog.all().filter((v) => v.state === 'READY').length;
  log.info({ address, models: ready, repository: config.modelRepository }, `switchyard ${SWITCHYARD_VERSION} serving ${ready} model versions at ${address}`);
  showInitialKey(server.initialAdminKey);
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

const program = new Command()
  .name('switchyard')
  .description('Hardware-aware serving of models over the Open Inference Protocol')
  .version(SWITCHYARD_VERSION);

program
  .command('up')
  .description('start the embedded server with the model repository (default ./models on 127.0.0.1:8080)')
  .option('--config <file>', 'YAML config file (also SWITCHYARD_CONFIG)')
  .option('--host <host>', 'address to bind (SWITCHYARD_HOST; default 127.0.0.1)')
  .option('--port <port>', 'port to listen on (SWITCHYARD_PORT; default 8080)')
  .option('--model-repository <path>', 'model repository folder (SWITCHYARD_MODEL_REPOSITORY; default ./models)')
  .option('--data-dir <path>', 'data folder (SWITCHYARD_DATA_DIR; default ./.switchyard)')
  .addOption(new Option('--log-level <level>', 'log level (SWITCHYARD_LOG_LEVEL; default info)'))
  .option('--cluster-token-file <file>', 'also take agents that present the join token in this file, created if missing (SWITCHYARD_CLUSTER_TOKEN_FILE; docs/cluster.md)')
  .option('--cluster-token <token>', 'the join token itself (SWITCHYARD_CLUSTER_TOKEN); visible in ps, prefer --cluster-token-file')
  .action((options: UpOptions) => up(options));

program
  .command('gateway')
  .description('start a cluster gateway: agents join it with the token and run the replicas (docs/cluster.md)')
  .option('--config <file>', 'YAML config file (also SWITCHYARD_CONFIG)')
  .option('--host <host>', 'address to bind (SWITCHYARD_HOST; default 127.0.0.1)')
  .option('--port <port>', 'port to listen on (SWITCHYARD_PORT; default 8080)')
  .option('--model-repository <path>', 'model repository folder (SWITCHYARD_MODEL_REPOSITORY; default ./models)')
  .option('--data-dir <path>', 'data folder (SWITCHYARD_DATA_DIR; default ./.switchyard)')
  .addOption(new Option('--log-level <level>', 'log level (SWITCHYARD_LOG_LEVEL; default info)'))
  .option('--cluster-token-file <file>', 'file holding the join token agents must present, created with a random token if missing (SWITCHYARD_CLUSTER_TOKEN_FILE)')
  .option('--cluster-token <token>', 'the join token itself (SWITCHYARD_CLUSTER_TOKEN); visible in ps, prefer --cluster-token-file')
  .action((options: UpOptions) => up(options, 'gateway'));

registerClientCommands(program);
registerSimCommand(program);
registerHardwareCommand(program);
registerKeysCommand(program);
registerAuditCommand(program);
registerAgentCommand(program);

await program.parseAsync(process.argv);
