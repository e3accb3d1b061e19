#!/usr/bin/env node
// Runs the compiled CLI (npm run build); falls back to the sources through tsx in a checkout.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const compiled = new URL('../dist/main/switchyard.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const source = new URL('../src/main/switchyard.ts', import.meta.url);
  const result = spawnSync(process.execPath, ['--import', 'tsx', source.pathname, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
