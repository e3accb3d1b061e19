/**
 * A node:test reporter for `npm test`: one line per test file as it finishes (its passed,
 * failed and skipped tests and how long it took), every failure in full at the end, then the
 * runner's summary exactly as node's TAP reporter prints it (`# tests N` … `# duration_ms N`),
 * because CI reads those lines from the end of stdout. The TAP stream it replaces was 2,400
 * lines that showed no progress.
 *
 * Plain JavaScript: node loads a reporter before tsx's hooks apply to it. Event shapes are
 * Node 20's: a file is a top-level test named by its path (dequeued when it starts, completed
 * when it ends); its own tests arrive with `file` set, top-level ones at nesting 0. That `file`
 * is where a test was defined (a shared suite module, for the storage tests), so tests are
 * counted for the file running now: `npm test` runs one file at a time.
 */
import { inspect } from 'node:util';
import { relative } from 'node:path';

/** Lines of a failed file's stderr shown with it (a file that does not load says why there). */
const STDERR_TAIL = 40;

/** @param {number | undefined} ms */
const seconds = (ms) => `${((ms ?? 0) / 1000).toFixed(1)} s`;

/** @param {string} file */
const shown = (file) => relative(process.cwd(), file) || file;

/** The assertion or exception itself: node wraps it in an ERR_TEST_FAILURE whose cause it is. */
/** @param {unknown} error */
function describeError(error) {
  const cause = /** @type {{ cause?: unknown } | null} */ (error)?.cause ?? error;
  return inspect(cause, { depth: 6, colors: false, breakLength: 120 })
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

/** @param {AsyncIterable<{ type: string, data: any }>} source */
export default async function* progressReporter(source) {
  /** @type {Map<string, { pass: number, fail: number, skip: number, stderr: string[] }>} */
  const files = new Map();
  /** @type {{ file: string, path: string, error: unknown, stderr: string[] }[]} */
  const failures = [];
  /** @type {string[]} */
  const summary = [];
  // The names of the tests open at each depth of the current file, for a failure's path.
  /** @type {string[]} */
  const open = [];
  let done = 0;
  /** @type {string | undefined} */
  let running;

  /** @param {string} file */
  const fileTally = (file) => {
    let tally = files.get(file);
    if (!tally) {
      tally = { pass: 0, fail: 0, skip: 0, stderr: [] };
      files.set(file, tally);
    }
    return tally;
  };

  for await (const { type, data } of source) {
    if (type === 'test:diagnostic') {
      // The runner's totals come last, at the top level, with no file.
      if (data.nesting === 0 && data.file === undefined && data.message !== undefined) summary.push(`# ${data.message}\n`);
      continue;
    }
    if (type === 'test:stderr' && data.file) {
      const tally = fileTally(data.file);
      tally.stderr.push(...String(data.message).replace(/\n$/, '').split('\n'));
      if (tally.stderr.length > STDERR_TAIL) tally.stderr.splice(0, tally.stderr.length - STDERR_TAIL);
      continue;
    }
    if (data?.file === undefined) continue;
    const isFile = data.name === data.file && data.nesting === 0;
    if (isFile) {
      if (type === 'test:dequeue') running = data.file;
      if (type !== 'test:complete') continue;
      running = undefined;
      const tally = fileTally(data.file);
      if (data.details?.passed === false && tally.fail === 0) {
        // It failed outside any test: it did not load, a hook threw, or it never exited.
        tally.fail++;
        failures.push({ file: data.file, path: '(the file itself)', error: data.details?.error, stderr: tally.stderr });
      }
      done++;
      const skipped = tally.skip > 0 ? `, ${tally.skip} skipped` : '';
      yield `${tally.fail > 0 ? '✖' : '✔'} ${String(done).padStart(3)} ${shown(data.file)}: ${tally.pass} passed, ${tally.fail} failed${skipped} (${seconds(data.details?.duration_ms)})\n`;
      continue;
    }
    if (type === 'test:start') {
      open[data.nesting] = data.name;
      open.length = data.nesting + 1;
      continue;
    }
    if ((type !== 'test:pass' && type !== 'test:fail') || data.details?.type === 'suite') continue;
    const file = running ?? data.file;
    const tally = fileTally(file);
    if ((data.skip !== undefined && data.skip !== false) || (data.todo !== undefined && data.todo !== false)) tally.skip++;
    else if (type === 'test:pass') tally.pass++;
    else {
      tally.fail++;
      failures.push({ file, path: [...open.slice(0, data.nesting), data.name].join(' > '), error: data.details?.error, stderr: [] });
    }
  }

  if (failures.length > 0) {
    yield `\n${failures.length} failure${failures.length === 1 ? '' : 's'}:\n`;
    for (const [i, f] of failures.entries()) {
      yield `\n${i + 1}) ${shown(f.file)}: ${f.path}\n${describeError(f.error)}\n`;
      if (f.stderr.length > 0) yield `  stderr of the file (last ${f.stderr.length} lines):\n${f.stderr.map((l) => `    ${l}`).join('\n')}\n`;
    }
    yield '\n';
  }
  for (const line of summary) yield line;
}
