/**
 * Finds the shell examples of the docs and the curl commands in them, for the docs tests.
 *
 * A command ends at a newline outside quotes and line continuations, so a curl example may span
 * lines. The comment on a command's last line may carry a mark for the test: `# 400` (the
 * status the example answers when it is not a 2xx, e.g. a documented bad input) or
 * `# skip: <why>` (it needs something the test does not start: another process, an upstream).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = new URL('../../', import.meta.url).pathname;

/** The Markdown files users read: every docs page, the README and the bench README. */
export function docFiles(): string[] {
  const docs = readdirSync(join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`);
  return ['README.md', 'CHANGELOG.md', 'bench/README.md', 'bench/HISTORY.md', ...docs];
}

export interface CodeBlock {
  readonly file: string;
  /** 1-based line of the block's first content line. */
  readonly line: number;
  readonly lang: string;
  readonly text: string;
}

export function codeBlocks(file: string): CodeBlock[] {
  const lines = readFileSync(join(REPO_ROOT, file), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*```(\S*)\s*$/.exec(lines[i] ?? '');
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end] ?? '')) end++;
    blocks.push({ file, line: start + 1, lang: open[1] ?? '', text: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

export interface ShellCommand {
  /** Offsets of the command in its block's text (comments excluded). */
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** The comment on the command's last line, '' when none. */
  readonly comment: string;
}

type Context = 'top' | 'single' | 'double' | 'subst';

/** Splits shell text into commands, one per logical line, knowing quotes, `$(…)`, `\` and comments. */
export function shellCommands(text: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  const stack: Context[] = ['top'];
  let start = -1;
  let comment = '';
  const finish = (end: number): void => {
    if (start >= 0) {
      const trimmed = text.slice(start, end).trimEnd();
      commands.push({ start, end: start + trimmed.length, text: trimmed, comment: comment.trim() });
    }
    start = -1;
    comment = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    const context = stack[stack.length - 1] ?? 'top';
    if (context === 'single') {
      if (c === "'") stack.pop();
      continue;
    }
    if (c === '\\') {
      i++;
      continue;
    }
    if (context === 'double') {
      if (c === '"') stack.pop();
      else if (c === '$' && text[i + 1] === '(') {
        stack.push('subst');
        i++;
      }
      continue;
    }
    // top level or inside $(…)
    if (c === '\n') {
      if (context === 'top') finish(i);
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) {
      const eol = text.indexOf('\n', i);
      const stop = eol < 0 ? text.length : eol;
      if (context === 'top') {
        if (start >= 0) comment = text.slice(i, stop);
        finish(i);
      }
      i = stop - 1;
      continue;
    }
    if (start < 0 && context === 'top' && /\s/.test(c)) continue;
    if (start < 0) start = i;
    if (c === "'") stack.push('single');
    else if (c === '"') stack.push('double');
    else if (c === '$' && text[i + 1] === '(') {
      stack.push('subst');
      i++;
    } else if (c === '(' && context === 'subst') stack.push('subst');
    else if (c === ')' && context === 'subst') stack.pop();
  }
  finish(text.length);
  return commands;
}

export interface CurlMark {
  /** The status the example answers; undefined = any 2xx. */
  readonly status: number | undefined;
  /** Why the test does not run it; undefined = it runs. */
  readonly skip: string | undefined;
}

export function curlMark(comment: string): CurlMark {
  const status = /^#\s*([1-5]\d\d)\b/.exec(comment);
  const skip = /^#\s*skip:\s*(.+)$/.exec(comment);
  return { status: status ? Number(status[1]) : undefined, skip: skip?.[1] };
}

export const isCurl = (command: ShellCommand): boolean => /^curl\s/.test(command.text);

export const SHELL_LANGS = new Set(['', 'sh', 'bash', 'shell', 'console']);
