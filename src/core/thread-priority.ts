/**
 * Lowers the calling thread's scheduling priority. On Linux each thread has its own nice value
 * and setpriority(0) sets the calling thread's, so a worker's compute or background writes yield
 * the CPU to the event loop when they contend; elsewhere it would lower the whole process, so it
 * is left alone there.
 */
import { setPriority } from 'node:os';

export function lowerThreadPriority(nice: number): void {
  if (nice <= 0 || process.platform !== 'linux') return;
  try {
    setPriority(nice);
  } catch {
    // Not permitted (some sandboxes and containers): the thread keeps the process's priority.
  }
}
