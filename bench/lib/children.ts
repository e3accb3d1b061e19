/**
 * Benchmark servers as child processes, optionally pinned to a CPU with `taskset`, that are
 * always ended: by `stop()`, and with SIGKILL when the parent exits or is interrupted for
 * any reason. A child also ends itself when its stdin (a pipe from this process) closes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const live = new Set<ChildProcess>();
const scratchDirs: string[] = [];

function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
// Last resort (a crash, process.exit): nothing async runs here, so SIGKILL.
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping servers\n`);
    // Ask politely first (servers finish and write any --cpu-prof), then force.
    for (const child of live) child.kill('SIGTERM');
    const deadline = setTimeout(() => process.exit(130), 3000);
    const waitAll = [...live].map((child) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()))));
    void Promise.all(waitAll).then(() => {
      clearTimeout(deadline);
      process.exit(130);
    });
  });
}

/** A temporary folder removed when this process exits, however it exits (short of SIGKILL). */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratchDirs.push(dir);
  return dir;
}

/** The CPUs this process may run on, from `taskset`; undefined when taskset is missing. */
export function allowedCpus(): number[] | undefined {
  const probe = spawnSync('taskset', ['-V'], { encoding: 'utf8' });
  if (probe.status !== 0) return undefined;
  const out = spawnSync('taskset', ['-c', '-p', String(process.pid)], { encoding: 'utf8' });
  const list = /:\s*([\d,-]+)\s*$/.exec(out.stdout)?.[1];
  if (out.status !== 0 || !list) return undefined;
  const cpus: number[] = [];
  for (const part of list.split(',')) {
    const [from, to] = part.split('-').map(Number);
    if (from === undefined || Number.isNaN(from)) continue;
    for (let cpu = from; cpu <= (to ?? from); cpu++) cpus.push(cpu);
  }
  return cpus;
}

/** Pins every thread of this process to one CPU. */
export function pinSelf(cpu: number): void {
  const result = spawnSync('taskset', ['-a', '-c', '-p', String(cpu), String(process.pid)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`taskset could not pin the load generator to CPU ${cpu}: ${result.stderr.trim()}`);
}

// Linux reports /proc/<pid>/stat times in USER_HZ ticks, 100 per second on every mainstream kernel config.
const CLOCK_TICKS = 100;

function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

export interface ServerChild {
  readonly name: string;
  readonly origin: string;
  /** User + system CPU seconds the child has used so far (all threads); undefined without /proc. */
  cpuSeconds(): number | undefined;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Pin the child (and every thread it starts) to this CPU. */
  readonly cpu?: number;
  /** Extra node flags, e.g. --cpu-prof. */
  readonly nodeFlags?: readonly string[];
  readonly startTimeoutMs?: number;
}

/** Starts `node --import tsx <script> <args>` and resolves once it prints `{"port":N}`. */
export async function startServer(name: string, script: string, args: readonly string[], options: StartOptions = {}): Promise<ServerChild> {
  const nodeArgs = ['--import', 'tsx', ...(options.nodeFlags ?? []), script, ...args];
  const [command, commandArgs] =
    options.cpu === undefined ? [process.execPath, nodeArgs] : ['taskset', ['-c', String(options.cpu), process.execPath, ...nodeArgs]];
  const child = spawn(command, commandArgs, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} server did not report its port within ${options.startTimeoutMs ?? 120_000} ms`)), options.startTimeoutMs ?? 120_000);
      const lines = createInterface({ input: child.stdout });
      lines.once('line', (line) => {
        clearTimeout(timer);
        const parsed = JSON.parse(line) as { port?: unknown };
        if (typeof parsed.port === 'number') resolve(parsed.port);
        else reject(new Error(`${name} server printed ${line} instead of {"port":N}`));
        // Keep draining stdout so the child can never block on a full pipe.
        lines.on('line', () => undefined);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} server exited before listening (code ${code}, signal ${signal})`));
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    const pid = child.pid;
    return { name, origin: `http://127.0.0.1:${port}`, cpuSeconds: () => (pid === undefined ? undefined : procCpuSeconds(pid)), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
