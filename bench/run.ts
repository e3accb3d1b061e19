/**
 * `npm run bench -- <name> [flags]`: builds dist/ (the servers under test run the compiled
 * code, as `npm start` does), then runs bench/<name>.ts, whose `main(args)` resolves to an exit code. An unknown or missing name lists the benchmarks there are and exits 2.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

interface BenchModule {
  main(args: readonly string[]): Promise<number>;
}

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));

function available(): string[] {
  return readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== 'run.ts')
    .map((f) => f.slice(0, -'.ts'.length))
    .sort();
}

async function dispatch(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  const names = available();
  if (name === undefined || !names.includes(name)) {
    process.stderr.write(`${name === undefined ? 'no benchmark given' : `unknown benchmark '${name}'`}; available: ${names.join(', ')}\n`);
    process.stderr.write('usage: npm run bench -- <name> [flags]   (see bench/README.md)\n');
    return 2;
  }
  // The servers under test run the compiled dist/, as `npm start` does: build it from the sources now.
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: join(BENCH_DIR, '..'), stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) {
    process.stderr.write('bench: npm run build failed; the servers under test run the compiled dist/\n');
    return 1;
  }
  const module = (await import(pathToFileURL(join(BENCH_DIR, `${name}.ts`)).href)) as BenchModule;
  return module.main(args);
}

try {
  process.exitCode = await dispatch(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
// A benchmark must not hang on a leftover handle: give it a moment to unwind, then leave.
setTimeout(() => process.exit(), 2000).unref();
