/**
 * The seam between discovery and the machine: run a tool, read a file, ask Node about the
 * OS. `systemHost()` does it for real; tests pass a host that answers from captured outputs.
 * Nothing here throws: a tool that is not installed is `missing`, anything else that goes
 * wrong is `failed` with a one-line reason.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { arch, availableParallelism, cpus, freemem, hostname, platform, totalmem } from 'node:os';

export type CommandOutcome =
  | { readonly status: 'ok'; readonly stdout: string }
  | { readonly status: 'missing' }
  | { readonly status: 'failed'; readonly reason: string };

export type FileOutcome =
  | { readonly status: 'ok'; readonly text: string }
  | { readonly status: 'missing' }
  | { readonly status: 'failed'; readonly reason: string };

/** What Node knows without any tool: the fallback when lscpu or /proc are not there. */
export interface OsFacts {
  readonly platform: string;
  /** Node's name: `x64`, `arm64`. */
  readonly arch: string;
  readonly hostname: string;
  readonly cpuModel: string;
  readonly logicalCpus: number;
  readonly totalMemoryBytes: number;
  readonly freeMemoryBytes: number;
}

export interface Host {
  run(command: string, args: readonly string[]): Promise<CommandOutcome>;
  readFile(path: string): Promise<FileOutcome>;
  os(): OsFacts;
}

export interface SystemHostOptions {
  /** A tool that has not answered by then is killed and counts as failed. @default 5000 */
  readonly timeoutMs?: number;
  /** @default 16 MiB (nvidia-smi -q -x of an 8-GPU machine is about 250 KiB) */
  readonly maxOutputBytes?: number;
}

function firstLine(text: string): string {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the tool is there to run, by looking on PATH: starting a process forks this one, which
 * holds up the event loop for tens of milliseconds in a server with a large heap, so a tool that
 * is not installed is found missing without one.
 */
export async function onPath(command: string): Promise<boolean> {
  if (command.includes('/')) return executable(command);
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && (await executable(join(dir, command)))) return true;
  }
  return false;
}

export async function runCommand(command: string, args: readonly string[], options: SystemHostOptions = {}): Promise<CommandOutcome> {
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!(await onPath(command))) return { status: 'missing' };
  return new Promise((resolve) => {
    execFile(
      command,
      [...args],
      // C locale: numbers and messages in the form the parsers expect.
      { timeout: timeoutMs, maxBuffer: options.maxOutputBytes ?? 16 * 1024 * 1024, encoding: 'utf8', windowsHide: true, env: { ...process.env, LC_ALL: 'C' } },
      (error, stdout, stderr) => {
        if (!error) return resolve({ status: 'ok', stdout });
        const code = errorCode(error);
        if (code === 'ENOENT') return resolve({ status: 'missing' });
        const killed = (error as { killed?: boolean }).killed === true;
        let reason: string;
        if (killed && code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') reason = `no answer within ${timeoutMs} ms`;
        else if (typeof code === 'number') reason = `exit ${code}${firstLine(stderr || stdout) ? `: ${firstLine(stderr || stdout)}` : ''}`;
        else reason = firstLine(error.message);
        resolve({ status: 'failed', reason });
      },
    );
  });
}

export async function readTextFile(path: string): Promise<FileOutcome> {
  try {
    return { status: 'ok', text: await readFile(path, 'utf8') };
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'missing' };
    return { status: 'failed', reason: error instanceof Error ? firstLine(error.message) : String(error) };
  }
}

export function osFacts(): OsFacts {
  return {
    platform: platform(),
    arch: arch(),
    hostname: hostname(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    logicalCpus: availableParallelism(),
    totalMemoryBytes: totalmem(),
    freeMemoryBytes: freemem(),
  };
}

export function systemHost(options: SystemHostOptions = {}): Host {
  return {
    run: (command, args) => runCommand(command, args, options),
    readFile: readTextFile,
    os: osFacts,
  };
}

/**
 * A host that runs each of `commands` once and answers later calls from that first outcome: for
 * tools whose output does not change while the process lives (lscpu), on a refresh loop.
 */
export function remembering(host: Host, commands: readonly string[]): Host {
  const remembered = new Map<string, Promise<CommandOutcome>>();
  return {
    run: (command, args) => {
      if (!commands.includes(command)) return host.run(command, args);
      const key = `${command}\u0000${args.join('\u0000')}`;
      let outcome = remembered.get(key);
      if (!outcome) {
        outcome = host.run(command, args);
        remembered.set(key, outcome);
      }
      return outcome;
    },
    readFile: (path) => host.readFile(path),
    os: () => host.os(),
  };
}
