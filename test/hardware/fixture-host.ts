/** A Host that answers from captured outputs instead of running tools: the discovery tests' seam. */
import { readFileSync } from 'node:fs';
import type { CommandOutcome, FileOutcome, Host, OsFacts } from '../../src/hardware/host.js';

export const H200_DIR = new URL('../fixtures/hardware/h200/', import.meta.url);
export const OWN_DIR = new URL('./fixtures/', import.meta.url);

export function h200(file: string): string {
  return readFileSync(new URL(file, H200_DIR), 'utf8');
}

export function own(file: string): string {
  return readFileSync(new URL(file, OWN_DIR), 'utf8');
}

export const ok = (stdout: string): CommandOutcome => ({ status: 'ok', stdout });
export const missing: CommandOutcome & FileOutcome = { status: 'missing' };
export const failed = (reason: string): CommandOutcome & FileOutcome => ({ status: 'failed', reason });
export const file = (text: string): FileOutcome => ({ status: 'ok', text });

export interface FixtureAnswers {
  /** By command name; a function sees the arguments. Unlisted commands are missing. */
  readonly commands?: Record<string, CommandOutcome | ((args: readonly string[]) => CommandOutcome)>;
  /** By path; unlisted files are missing. */
  readonly files?: Record<string, FileOutcome>;
  readonly os?: Partial<OsFacts>;
}

export const FIXTURE_OS: OsFacts = {
  platform: 'linux',
  arch: 'x64',
  hostname: 'fixture',
  cpuModel: 'Fixture CPU',
  logicalCpus: 4,
  totalMemoryBytes: 8 * 2 ** 30,
  freeMemoryBytes: 6 * 2 ** 30,
};

export function fixtureHost(answers: FixtureAnswers): Host & { readonly calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async run(command, args) {
      calls.push([command, ...args].join(' '));
      const answer = answers.commands?.[command];
      if (answer === undefined) return missing;
      return typeof answer === 'function' ? answer(args) : answer;
    },
    async readFile(path) {
      calls.push(`read ${path}`);
      return answers.files?.[path] ?? missing;
    },
    os: () => ({ ...FIXTURE_OS, ...answers.os }),
  };
}

/** The H200 machine of test/fixtures/hardware/h200, as captured: rocm-smi and hl-smi not installed. */
export function h200Host(overrides: FixtureAnswers = {}): Host & { readonly calls: string[] } {
  return fixtureHost({
    commands: {
      lscpu: ok(h200('lscpu.json')),
      'nvidia-smi': (args) => ok(args.includes('-x') ? h200('nvidia-smi-q.xml') : h200('nvidia-smi-query.csv')),
      ...overrides.commands,
    },
    files: {
      '/proc/meminfo': file(h200('meminfo.txt')),
      '/proc/pressure/cpu': file(h200('pressure-cpu.txt')),
      '/proc/pressure/memory': file(h200('pressure-memory.txt')),
      '/proc/pressure/io': file(h200('pressure-io.txt')),
      ...overrides.files,
    },
    os: { hostname: 'vm', totalMemoryBytes: 128 * 2 ** 30, ...overrides.os },
  });
}
