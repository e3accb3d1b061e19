/**
 * Benchmark servers as child processes, optionally pinned to a CPU with `taskset`, that are
 * always ended: by `stop()`, and with SIGKILL when the parent exits or is interrupted for
 * any reason. A child also ends itself when its stdin (a pipe from this process) closes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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

/** User + system CPU seconds of each thread of a process, by thread id; undefined without /proc. */
export function threadCpuSeconds(pid: number): Map<number, number> | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  const out = new Map<number, number>();
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** Busy (not idle, not iowait) seconds of one CPU since boot, all processes together, from /proc/stat; undefined without it. */
export function cpuBusySeconds(cpu: number): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${cpu} `));
    if (!line) return undefined;
    // user nice system idle iowait irq softirq steal ...; steal is time the hypervisor gave to someone else.
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const busy = ticks.reduce((sum, value, index) => (index === 3 || index === 4 ? sum : sum + value), 0);
    return busy / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

export interface ServerChild {
  readonly name: string;
  readonly origin: string;
  /** The child's process id (with taskset, taskset execs node, so it is node's). */
  readonly pid: number | undefined;
  /** User + system CPU seconds the child has used so far (all threads); undefined without /proc. */
  cpuSeconds(): number | undefined;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Pin the child (and every thread it starts) to this CPU, or to these CPUs. */
  readonly cpu?: number | readonly number[];
  /** Extra node flags, e.g. --cpu-prof. */
  readonly nodeFlags?: readonly string[];
  readonly startTimeoutMs?: number;
}

/**
 * A child that speaks in stdout lines: `nextLine()` takes them in order, `send()` writes one
 * line to its stdin. Closing its stdin (which `stop()`, and the parent's death, do) is the
 * child's cue to end; `stop()` also sends SIGTERM, then SIGKILL after 15 s.
 */
export interface LineChild {
  readonly name: string;
  readonly pid: number | undefined;
  /** The next stdout line; rejects after `timeoutMs` or when the child exits without one. */
  nextLine(timeoutMs?: number): Promise<string>;
  /** Drops every line from now on (the pipe is still drained, so the child never blocks). */
  discardLines(): void;
  send(line: string): void;
  cpuSeconds(): number | undefined;
  stop(): Promise<void>;
}

/** Starts `node --import tsx <script> <args>` (pinned with taskset when `cpu` is set), tracked so it is always ended. */
export function startChild(name: string, script: string, args: readonly string[], options: StartOptions = {}): LineChild {
  const nodeArgs = ['--import', 'tsx', ...(options.nodeFlags ?? []), script, ...args];
  const [command, commandArgs] =
    options.cpu === undefined ? [process.execPath, nodeArgs] : ['taskset', ['-c', typeof options.cpu === 'number' ? String(options.cpu) : options.cpu.join(','), process.execPath, ...nodeArgs]];
  const child = spawn(command, commandArgs, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  live.add(child);
  let exitedWith: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitedWith = `code ${code}, signal ${signal}`;
      resolve();
    }),
  );
  void exited.then(() => live.delete(child));
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  // A child that exits early must not take the parent down with an EPIPE on its stdin.
  child.stdin.on('error', () => undefined);

  const lines: string[] = [];
  let discarding = false;
  let waiter: (() => void) | undefined;
  const reader = createInterface({ input: child.stdout });
  reader.on('line', (line) => {
    if (discarding) return;
    lines.push(line);
    waiter?.();
  });
  void exited.then(() => waiter?.());

  const nextLine = async (timeoutMs = 120_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = lines.shift();
      if (line !== undefined) return line;
      if (spawnError) throw spawnError;
      if (exitedWith !== undefined) throw new Error(`${name} exited (${exitedWith}) before printing the line expected`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${name} printed nothing within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      waiter = undefined;
    }
  };

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  const pid = child.pid;
  return {
    name,
    pid,
    nextLine,
    discardLines: () => {
      discarding = true;
      lines.length = 0;
    },
    send: (line) => {
      if (exitedWith === undefined) child.stdin.write(`${line}\n`);
    },
    cpuSeconds: () => (pid === undefined ? undefined : procCpuSeconds(pid)),
    stop,
  };
}

/** Starts `node --import tsx <script> <args>` and resolves once it prints `{"port":N}`. */
export async function startServer(name: string, script: string, args: readonly string[], options: StartOptions = {}): Promise<ServerChild> {
  const child = startChild(`${name} server`, script, args, options);
  try {
    const timeoutMs = options.startTimeoutMs ?? 120_000;
    const line = await child.nextLine(timeoutMs).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(message.includes('printed nothing') ? `${name} server did not report its port within ${timeoutMs} ms` : message.replace('before printing the line expected', 'before listening'));
    });
    // Keep draining stdout so the child can never block on a full pipe.
    child.discardLines();
    const parsed = JSON.parse(line) as { port?: unknown };
    if (typeof parsed.port !== 'number') throw new Error(`${name} server printed ${line} instead of {"port":N}`);
    return { name, origin: `http://127.0.0.1:${parsed.port}`, pid: child.pid, cpuSeconds: () => child.cpuSeconds(), stop: () => child.stop() };
  } catch (error) {
    await child.stop();
    throw error;
  }
}
