/**
 * Thread scheduling priorities. On Linux each thread has its own nice value: setpriority(0)
 * sets the calling thread's, and setpriority(tid) another thread's of this process. So a
 * worker's compute or background writes yield the CPU to the event loop when they contend;
 * elsewhere it would change the whole process, so it is left alone there.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

export function lowerThreadPriority(nice: number): void {
  if (nice <= 0 || process.platform !== 'linux') return;
  try {
    setPriority(nice);
  } catch {
    // Not permitted (some sandboxes and containers): the thread keeps the process's priority.
  }
}

/** The calling thread's kernel id on Linux (from /proc/thread-self); undefined elsewhere. */
export function currentThreadId(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** The calling thread's nice value (the process's, for the main thread). */
export function currentNice(): number {
  try {
    return getPriority();
  } catch {
    return 0;
  }
}

/**
 * Sets another thread's nice value; false when not permitted. Raising a thread's priority
 * back (a lower nice) needs CAP_SYS_NICE or a RLIMIT_NICE that allows it; without either,
 * the thread stays where it was lowered.
 */
export function setThreadNice(tid: number, nice: number): boolean {
  try {
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
