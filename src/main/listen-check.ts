/**
 * `switchyard up` checks that it can bind its address before it creates anything (data folder,
 * store, first admin key), and turns a bind failure into one line that names the setting to
 * change instead of a stack trace.
 */
import { createServer } from 'node:net';

const REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'is already in use (another switchyard or another program listens there)',
  EACCES: 'needs privileges this process does not have (ports below 1024 do)',
  EADDRNOTAVAIL: 'is not an address of this machine',
};

/** The one-line message for a failed bind, naming the flag, environment variable and key. */
export function listenProblem(error: unknown, host: string, port: number): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === undefined || !(code in REASONS)) return undefined;
  const fix = code === 'EADDRNOTAVAIL' ? 'choose another with --host (SWITCHYARD_HOST, config key host)' : 'choose another with --port (SWITCHYARD_PORT, config key port), or stop the other program';
  return `cannot listen on ${host}:${port}: the address ${REASONS[code] ?? code}; ${fix}`;
}

/** Binds and frees the address once; resolves with the problem, or undefined when it is free. */
export function checkListen(host: string, port: number): Promise<string | undefined> {
  // Port 0 is "any free port": always free.
  if (port === 0) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) => {
      const problem = listenProblem(error, host, port);
      if (problem === undefined) reject(error);
      else resolve(problem);
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}
