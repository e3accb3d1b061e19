/**
 * `switchyard agent --join URL --token TOKEN`: discovers this machine's devices, joins the
 * gateway and hosts the replicas it is given until SIGTERM, when it drains and exits 0.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { CONFIG_DEFAULTS, ConfigError, type LogLevel } from '../core/config.js';
import { readTokenFile } from './token-file.js';
import { loadCatalog } from '../hardware/catalog.js';
import { TIERS, type Tier } from '../core/tiers.js';
import { discoverDevices } from '../hardware/discover.js';
import { systemHost } from '../hardware/host.js';
import { loadOnnxBackend } from '../runtime/onnx/onnx-backend.js';
import { createLogger } from '../telemetry/logger.js';
import { Agent, AgentJoinError } from '../agent/agent.js';
import { SWITCHYARD_VERSION } from './version.js';

interface AgentFlags {
  join: string;
  token?: string;
  tokenFile?: string;
  name?: string;
  tier: string;
  host: string;
  port: string;
  modelRepository: string;
  logLevel: string;
  protocol?: string;
}

function usage(message: string): void {
  process.stderr.write(`switchyard agent: ${message}\n`);
  process.exitCode = 2;
}

async function runAgent(flags: AgentFlags): Promise<void> {
  if (flags.token !== undefined && flags.tokenFile !== undefined) return usage('give --token or --token-file, not both');
  const tokenFile = flags.tokenFile ?? (flags.token === undefined ? process.env.SWITCHYARD_CLUSTER_TOKEN_FILE || undefined : undefined);
  let token = flags.token ?? process.env.SWITCHYARD_CLUSTER_TOKEN;
  if (tokenFile !== undefined) {
    try {
      token = readTokenFile(resolve(tokenFile), { create: false }).token;
    } catch (error) {
      if (error instanceof ConfigError) return usage(error.problems.join('; '));
      throw error;
    }
  }
  if (!token) return usage('a join token is needed: --token-file (SWITCHYARD_CLUSTER_TOKEN_FILE) or --token (SWITCHYARD_CLUSTER_TOKEN)');
  if (!/^https?:\/\/[^\s]+$/.test(flags.join)) return usage(`--join must be the gateway's http(s) URL, got '${flags.join}'`);
  if (!TIERS.includes(flags.tier as Tier)) return usage(`--tier must be one of ${TIERS.join(', ')}, got '${flags.tier}'`);
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return usage(`--port must be 0-65535, got '${flags.port}'`);
  const log = createLogger(flags.logLevel as LogLevel);
  const tier = flags.tier as Tier;
  const discovery = await discoverDevices({ catalog: loadCatalog(), host: systemHost({ timeoutMs: 5000 }), tier });
  const agent = new Agent({
    joinUrl: flags.join.replace(/\/$/, ''),
    token,
    name: flags.name ?? hostname(),
    tier,
    host: flags.host,
    port,
    modelRepository: resolve(flags.modelRepository),
    devices: discovery.devices,
    loadBackend: loadOnnxBackend,
    onnx: {
      executionProvider: CONFIG_DEFAULTS['onnx.execution_provider'],
      intraOpThreads: CONFIG_DEFAULTS['onnx.intra_op_threads'],
      instances: CONFIG_DEFAULTS['onnx.instances'],
      inlineBelowMs: CONFIG_DEFAULTS['onnx.inline_below_ms'],
      workerNice: CONFIG_DEFAULTS['onnx.worker_nice'],
    },
    log,
    agentVersion: SWITCHYARD_VERSION,
    ...(flags.protocol ? { protocol: flags.protocol } : {}),
  });
  try {
    await agent.start();
  } catch (error) {
    await agent.stop();
    if (error instanceof AgentJoinError) return usage(error.message);
    throw error;
  }
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'agent shutting down');
    agent.drain().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'drain failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('join a gateway as a node: report devices, host the replicas it assigns, serve batches')
    .requiredOption('--join <url>', "the gateway's URL")
    .option('--token-file <file>', "file holding the cluster join token, e.g. the gateway's --cluster-token-file (SWITCHYARD_CLUSTER_TOKEN_FILE)")
    .option('--token <token>', 'the cluster join token itself (SWITCHYARD_CLUSTER_TOKEN); visible in ps, prefer --token-file')
    .option('--name <name>', 'node name, unique in the cluster (default: the hostname)')
    .option('--tier <tier>', `tier of this node's devices: ${TIERS.join(', ')}`, 'onprem')
    .option('--host <host>', 'address the data plane binds', '127.0.0.1')
    .option('--port <port>', 'data-plane port (0: any free one)', '0')
    .option('--model-repository <path>', "this machine's model repository; artifacts are digest-checked before load", 'models')
    .option('--log-level <level>', 'log level', 'info')
    .addOption(new Option('--protocol <version>', 'data-plane protocol to offer (for testing the version check)').hideHelp())
    .action((flags: AgentFlags) => runAgent(flags));
}
