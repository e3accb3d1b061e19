/** Structured JSON logs (pino). One logger per process, children per component. */
import { pino, type Logger } from 'pino';
import type { LogLevel } from '../core/config.js';

export type { Logger };

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, base: { service: 'switchyard' } }, destination ?? process.stdout);
}

/** For tests: a logger that discards everything. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
