/**
 * The one rule for a file path inside an artifact: relative, `/`-separated, and every segment
 * made only of letters, digits, `.`, `_` and `-`. So `..`, absolute paths, backslashes, NUL,
 * percent-encoded separators (`%2f`, `%2e%2e`) and drive letters cannot even be spelled, and a
 * checked path joined under the store's folder stays under it.
 */
const SEGMENT = /^[A-Za-z0-9._-]{1,255}$/;
/** Why: deep enough for any real model layout, short enough for every file system. */
export const MAX_PATH_LENGTH = 1024;
export const MAX_PATH_DEPTH = 32;

/** The reason a path is unsafe, or undefined when it is safe. */
export function unsafePathReason(path: string): string | undefined {
  if (path.length === 0) return 'the path is empty';
  if (path.length > MAX_PATH_LENGTH) return `the path is longer than ${MAX_PATH_LENGTH} characters`;
  if (path.includes('\0')) return 'the path contains a NUL byte';
  if (path.includes('\\')) return 'the path contains a backslash';
  if (path.includes('%')) return 'the path contains a percent-encoded character';
  if (path.startsWith('/')) return 'the path is absolute';
  const segments = path.split('/');
  if (segments.length > MAX_PATH_DEPTH) return `the path is deeper than ${MAX_PATH_DEPTH} folders`;
  for (const segment of segments) {
    if (segment === '') return 'the path has an empty segment';
    if (segment === '.' || segment === '..') return `the path has a '${segment}' segment`;
    if (!SEGMENT.test(segment)) return `the segment '${printable(segment)}' has characters outside [A-Za-z0-9._-]`;
  }
  return undefined;
}

/** A path for a message: control characters shown as escapes, long ones cut. */
export function printable(path: string): string {
  const shown = JSON.stringify(path.length > 200 ? `${path.slice(0, 200)}…` : path);
  return shown.slice(1, -1);
}

/** Resolves `relative` against the folder of `from` (both artifact paths), or undefined when it leaves the artifact. */
export function resolveSibling(from: string, relative: string): string | undefined {
  const base = from.split('/').slice(0, -1);
  if (relative.startsWith('/')) return undefined;
  for (const segment of relative.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (base.length === 0) return undefined;
      base.pop();
    } else base.push(segment);
  }
  return base.join('/');
}
