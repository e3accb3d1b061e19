/**
 * `switchyard hardware`: discovers this machine's devices (src/hardware), maps each to a
 * class of the hardware catalog and prints them with the CPU, memory and pressure; `--json`
 * for machines, `--classes` for the catalog itself, `--catalog FILE` to merge an operator's
 * classes and prices over the built-in ones; `--config FILE` (or SWITCHYARD_CONFIG) adds the
 * server config's declared devices, listed as simulated.
 */
import type { Command } from 'commander';
import { CatalogError, loadCatalog } from '../hardware/catalog.js';
import { TIERS, type Tier } from '../core/tiers.js';
import { discoverDevices } from '../hardware/discover.js';
import { systemHost } from '../hardware/host.js';
import { classesTable, classJson, discoveryJson, discoveryText } from '../hardware/report.js';
import { declaredDevices } from '../hardware/declared.js';
import { ConfigError } from '../core/config.js';
import { loadConfig } from './config-sources.js';

interface HardwareFlags {
  json?: boolean;
  catalog?: string;
  classes?: boolean;
  tier?: string;
  config?: string;
  timeout: string;
}

class UsageError extends Error {}

async function run(flags: HardwareFlags): Promise<void> {
  const tier = flags.tier;
  if (tier !== undefined && !TIERS.includes(tier as Tier)) throw new UsageError(`--tier must be one of ${TIERS.join(', ')}, got '${tier}'`);
  const timeoutMs = Number(flags.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout must be a positive whole number of milliseconds, got '${flags.timeout}'`);
  const catalog = loadCatalog(flags.catalog === undefined ? {} : { overrideFile: flags.catalog });
  if (flags.classes) {
    process.stdout.write(flags.json ? `${JSON.stringify({ files: catalog.files, classes: catalog.classes.map(classJson) }, null, 2)}\n` : `${classesTable(catalog)}\n`);
    return;
  }
  const found = await discoverDevices({ catalog, host: systemHost({ timeoutMs }), ...(tier === undefined ? {} : { tier: tier as Tier }) });
  // Declared devices come from the server config, if one is given: shown with real: false (simulated).
  const configFile = flags.config ?? process.env.SWITCHYARD_CONFIG;
  const declared = configFile === undefined ? [] : declaredDevices(loadConfig({ flags: {}, configFile, env: {}, cwd: process.cwd() }).declaredDevices, catalog);
  const discovery = { ...found, devices: [...found.devices, ...declared] };
  process.stdout.write(flags.json ? `${JSON.stringify(discoveryJson(discovery, catalog), null, 2)}\n` : `${discoveryText(discovery)}\n`);
}

export function registerHardwareCommand(program: Command): void {
  program
    .command('hardware')
    .description("discover this machine's devices (CPU, nvidia-smi, rocm-smi, hl-smi) and their hardware classes")
    .option('--json', 'print JSON instead of the table')
    .option('--catalog <file>', 'YAML file of added hardware classes and overridden figures, merged over hardware/catalog.yaml')
    .option('--classes', 'print the hardware catalog instead of discovering')
    .option('--config <file>', 'server config file whose declared_devices are listed too, as simulated (also SWITCHYARD_CONFIG)')
    .option('--tier <tier>', `tier of the devices found: ${TIERS.join(', ')} (default: the class's, else onprem)`)
    .option('--timeout <ms>', 'how long each tool may take', '5000')
    .action(async (flags: HardwareFlags) => {
      try {
        await run(flags);
      } catch (error) {
        if (error instanceof UsageError || error instanceof CatalogError || error instanceof ConfigError) {
          process.stderr.write(`switchyard hardware: ${error.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw error;
      }
    });
}
