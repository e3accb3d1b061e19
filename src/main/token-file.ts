/**
 * The cluster token from a file instead of the command line, where `ps` shows it to every user
 * of the machine. The gateway creates the file (random, mode 0600) when it does not exist yet,
 * so the agents on the same machine read the very token it checks; an agent never creates it.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../core/config.js';

/** Why 32 bytes: as strong as the node secrets; base64url keeps it one shell-safe word. */
const NEW_TOKEN_BYTES = 32;

export interface TokenFromFile {
  readonly token: string;
  /** True when this call created the file. */
  readonly created: boolean;
}

export function readTokenFile(path: string, options: { create: boolean }): TokenFromFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (code !== 'ENOENT' || !options.create) throw new ConfigError([`cluster token file ${path}: cannot be read (${code})`]);
    const token = randomBytes(NEW_TOKEN_BYTES).toString('base64url');
    mkdirSync(dirname(path), { recursive: true });
    // `wx`: if another process created it meanwhile, fail rather than overwrite its token.
    writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return { token, created: true };
  }
  const token = text.trim();
  if (token.length === 0 || /\s/.test(token)) throw new ConfigError([`cluster token file ${path}: must hold the token alone on one line`]);
  return { token, created: false };
}
