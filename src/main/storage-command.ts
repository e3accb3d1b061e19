/**
 * Commands that work on the store directly (`keys`, `audit`): they read the same configuration
 * as `switchyard up` to find it, so they also work while no server runs.
 */
import type { Command } from 'commander';
import { ConfigError } from '../core/config.js';
import { openStorage } from '../registry/storage/open-storage.js';
import type { Storage } from '../registry/storage/storage.js';
import { loadConfig } from './config-sources.js';

export interface StoreOptions {
  config?: string;
  dataDir?: string;
}

/** The audit actor of changes made from the command line by whoever can read the store. */
export const CLI_ACTOR = 'local-cli';

export function storeOptions(command: Command): Command {
  return command.option('--config <file>', 'YAML config file (also SWITCHYARD_CONFIG)').option('--data-dir <path>', 'data folder holding the SQLite store (SWITCHYARD_DATA_DIR)');
}

export async function withStorage(options: StoreOptions, work: (storage: Storage) => Promise<void>): Promise<void> {
  let storage: Storage;
  try {
    const config = loadConfig({ flags: { data_dir: options.dataDir }, configFile: options.config, env: process.env, cwd: process.cwd() });
    storage = await openStorage({ driver: config.storage.driver, dataDir: config.dataDir, postgresUrl: config.storage.postgresUrl });
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof Error)) throw error;
    process.stderr.write(`switchyard: cannot open the store: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  try {
    await work(storage);
  } finally {
    await storage.close();
  }
}
