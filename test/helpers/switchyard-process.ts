/** A real `switchyard up` in its own process on loopback, for tests that need a second server. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ENTRY = new URL('../../src/main/switchyard.ts', import.meta.url).pathname;

export interface SwitchyardProcess {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export async function startSwitchyardProcess(args: readonly string[] = []): Promise<SwitchyardProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-upstream-'));
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'up', '--port', '0', '--data-dir', dataDir, '--log-level', 'info', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let url: string | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    const entry = JSON.parse(line) as { address?: string };
    if (entry.address) {
      url = entry.address;
      break;
    }
  }
  if (!url) throw new Error('switchyard up exited before listening');
  // Keep draining its log so it never blocks on a full pipe.
  child.stdout.resume();
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}
