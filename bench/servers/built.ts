/**
 * Loads a module of the compiled server from dist/, which `npm run bench` builds before any
 * benchmark runs. Why not the sources under tsx: production runs the compiled JavaScript, and
 * tsx's transform wraps every closure it creates in a naming helper that costs a few µs per
 * request on the hot path — a cost `npm start` never pays.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIST = new URL('../../dist/', import.meta.url);

export async function loadBuilt<T>(path: string): Promise<T> {
  const url = new URL(path, DIST);
  if (!existsSync(fileURLToPath(url))) throw new Error(`${fileURLToPath(url)} is missing: build first (npm run build; npm run bench does it)`);
  return (await import(url.href)) as T;
}
