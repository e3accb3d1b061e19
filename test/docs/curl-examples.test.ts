/**
 * Every curl example of the README and docs/ runs as written against a live server: the
 * embedded server with the demo models on a real socket, with the admin key exported as
 * SWITCHYARD_API_KEY as the README tells the user. Each must answer 2xx, or the status its line
 * is marked with (`# 400`). `# skip: <why>` on a curl leaves out its whole block: it needs
 * processes the block starts (a gateway, agents), and the block is not run.
 *
 * Each other shell block runs whole in bash (so `node -e … > vad.json` before a curl works), in
 * a folder where `models/` is the demo repository, with `localhost:8080` pointed at the test
 * server and each curl replaced by a function that records its status. A block that does not
 * end (say, an unmarked `switchyard gateway`) is killed with everything it started.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { EmbeddedServer } from '../../src/main/server.js';
import { DEMO_REPOSITORY, startTestServer } from '../helpers/server.js';
import { codeBlocks, curlMark, docFiles, isCurl, shellCommands, SHELL_LANGS, type CodeBlock } from './doc-examples.js';

/** Most a block may take; a blocked one is a doc that starts a server without saying so. */
const BLOCK_TIMEOUT_MS = 60_000;

/** Runs a script in bash in its own process group; on timeout the whole group is killed. */
function runBash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd, env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, BLOCK_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) resolve(`killed after ${BLOCK_TIMEOUT_MS / 1000} s (${signal}): does it start a process that does not end? ${stderr}`);
      else resolve(code === 0 ? undefined : `exit ${code}: ${stderr}`);
    });
  });
}

interface Example {
  readonly where: string;
  readonly text: string;
  readonly expected: number | undefined;
}

interface RunnableBlock {
  readonly block: CodeBlock;
  /** The block with each curl that runs replaced by `__docs_curl <n>` and each skipped one by `:`. */
  readonly script: string;
  readonly examples: readonly Example[];
}

function runnableBlocks(): { blocks: RunnableBlock[]; skipped: string[] } {
  const blocks: RunnableBlock[] = [];
  const skipped: string[] = [];
  let n = 0;
  for (const file of docFiles()) {
    for (const block of codeBlocks(file).filter((b) => SHELL_LANGS.has(b.lang))) {
      const commands = shellCommands(block.text);
      const curls = commands.filter(isCurl);
      if (curls.length === 0) continue;
      const where = (start: number): string => `${block.file}:${block.line + block.text.slice(0, start).split('\n').length - 1}`;
      const skips = curls.flatMap((c) => {
        const why = curlMark(c.comment).skip;
        return why === undefined ? [] : [`${where(c.start)} (${why})`];
      });
      if (skips.length > 0) {
        skipped.push(...skips);
        continue;
      }
      const examples: Example[] = [];
      let script = '';
      let at = 0;
      for (const command of curls) {
        script += block.text.slice(at, command.start) + `__docs_curl ${n++}`;
        examples.push({ where: where(command.start), text: command.text, expected: curlMark(command.comment).status });
        at = command.start + 'curl'.length;
      }
      script += block.text.slice(at);
      if (examples.length > 0) blocks.push({ block, script, examples });
    }
  }
  return { blocks, skipped };
}

const PREAMBLE = `
__docs_curl() {
  local n=$1; shift
  local code
  code=$(command curl -sS -o /dev/null -w '%{http_code}' --max-time 60 "$@") || code="curl-exit-$?"
  echo "$n $code" >> "$DOCS_CURL_LOG"
}
# Starting servers and installing packages is not the test's to do: such a block must mark a
# curl '# skip: <why>'. (npx in a folder without the package would even fetch one by that name.)
for __docs_tool in npx npm switchyard; do
  eval "$__docs_tool() { echo \"x $__docs_tool \\$*\" >> \"\$DOCS_CURL_LOG\"; return 127; }"
done
`;

let server: EmbeddedServer;
let port = 0;
before(async () => {
  server = await startTestServer(DEMO_REPOSITORY);
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  port = (server.app.server.address() as AddressInfo).port;
});
after(() => server.close());

const missing = ['bash', 'curl'].filter((tool) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0);

test('every curl example in the docs answers what the docs say, with the exported key', { skip: missing.length > 0 && `needs ${missing.join(' and ')}` }, async () => {
  const { blocks, skipped } = runnableBlocks();
  // Only examples that truly need another process (a gateway with agents, an upstream) may skip.
  assert.ok(skipped.length <= 4, `too many skipped curl examples:\n${skipped.join('\n')}`);
  const total = blocks.reduce((sum, b) => sum + b.examples.length, 0);
  assert.ok(total >= 20, `only ${total} curl examples found`);

  const work = mkdtempSync(join(tmpdir(), 'switchyard-docs-'));
  symlinkSync(DEMO_REPOSITORY, join(work, 'models'));
  const log = join(work, 'statuses');
  const failures: string[] = [];
  let first = 0;
  for (const { block, script, examples } of blocks) {
    writeFileSync(log, '');
    const body = script.replace(/\b(localhost|127\.0\.0\.1):8080\b/g, `127.0.0.1:${port}`);
    const failed = await runBash(PREAMBLE + body, work, { ...process.env, SWITCHYARD_API_KEY: server.initialAdminKey ?? '', DOCS_CURL_LOG: log });
    if (failed !== undefined) failures.push(`${block.file}:${block.line}: the block failed: ${failed}`);
    const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    for (const refused of lines.filter((l) => l.startsWith('x '))) {
      failures.push(`${block.file}:${block.line}: runs \`${refused.slice(2)}\`, which this test does not; mark a curl of the block '# skip: <why>'`);
    }
    const statuses = new Map(lines.filter((l) => !l.startsWith('x ')).map((line) => line.split(' ') as [string, string]));
    examples.forEach((example, i) => {
      const got = statuses.get(String(first + i));
      const ok = example.expected === undefined ? /^2\d\d$/.test(got ?? '') : got === String(example.expected);
      if (!ok) failures.push(`${example.where}: answered ${got ?? 'nothing (not run)'}, expected ${example.expected ?? '2xx'}\n    ${example.text.split('\n')[0]}`);
    });
    first += examples.length;
  }
  assert.deepEqual(failures, [], `curl examples that do not work as written:\n${failures.join('\n')}`);
});
