/**
 * Every curl example of the README and docs/ runs as written against a live server: the
 * embedded server with the demo models on a real socket, with the admin key exported as
 * SWITCHYARD_API_KEY as the README tells the user. Each must answer 2xx, or the status its line
 * is marked with (`# 400`); `# skip: <why>` leaves out one that needs another process.
 *
 * Each shell block runs whole in bash (so `node -e … > vad.json` before a curl works), in a
 * folder where `models/` is the demo repository, with `localhost:8080` pointed at the test
 * server and each curl replaced by a function that records its status.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import type { EmbeddedServer } from '../../src/main/server.js';
import { DEMO_REPOSITORY, startTestServer } from '../helpers/server.js';
import { codeBlocks, curlMark, docFiles, isCurl, shellCommands, SHELL_LANGS, type CodeBlock } from './doc-examples.js';

const run = promisify(execFile);

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
      const examples: Example[] = [];
      let script = '';
      let at = 0;
      for (const command of curls) {
        const mark = curlMark(command.comment);
        const line = block.line + block.text.slice(0, command.start).split('\n').length - 1;
        const where = `${block.file}:${line}`;
        script += block.text.slice(at, command.start);
        if (mark.skip !== undefined) {
          skipped.push(`${where} (${mark.skip})`);
          script += ':';
          at = command.end;
        } else {
          script += `__docs_curl ${n++}`;
          examples.push({ where, text: command.text, expected: mark.status });
          at = command.start + 'curl'.length;
        }
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
  assert.ok(skipped.length <= 3, `too many skipped curl examples:\n${skipped.join('\n')}`);
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
    await run('bash', ['-c', PREAMBLE + body], {
      cwd: work,
      timeout: 120_000,
      env: { ...process.env, SWITCHYARD_API_KEY: server.initialAdminKey ?? '', DOCS_CURL_LOG: log },
    }).catch((error: Error) => failures.push(`${block.file}:${block.line}: the block failed to run: ${error.message}`));
    const statuses = new Map(
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' ') as [string, string]),
    );
    examples.forEach((example, i) => {
      const got = statuses.get(String(first + i));
      const ok = example.expected === undefined ? /^2\d\d$/.test(got ?? '') : got === String(example.expected);
      if (!ok) failures.push(`${example.where}: answered ${got ?? 'nothing (not run)'}, expected ${example.expected ?? '2xx'}\n    ${example.text.split('\n')[0]}`);
    });
    first += examples.length;
  }
  assert.deepEqual(failures, [], `curl examples that do not work as written:\n${failures.join('\n')}`);
});
