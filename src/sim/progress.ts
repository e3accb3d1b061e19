/** A one-line progress bar on stderr, drawn only when stderr is a terminal, at most 10 times a second. */

const BAR = 30;
const DEFAULT_COLUMNS = 100;

/**
 * Usable width of the terminal. Why: a terminal may report 0 columns (a serial console, some
 * pseudo-terminals under `script` or CI runners); that means "unknown", not "no room", and a
 * width of 0 once made the bar cut every label and `' '.repeat(-1)` throw at the end.
 */
export function usableColumns(columns: number | undefined): number {
  return columns !== undefined && Number.isFinite(columns) && columns >= 2 ? Math.min(columns - 1, DEFAULT_COLUMNS) : DEFAULT_COLUMNS - 1;
}

export class Progress {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly stream: Pick<NodeJS.WriteStream, 'write' | 'columns' | 'isTTY'> = process.stderr,
    private readonly enabled = stream.isTTY === true,
  ) {}

  update(fraction: number, label: string): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && fraction < 1) return;
    this.lastDraw = now;
    const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
    const filled = Math.round(clamped * BAR);
    const width = usableColumns(this.stream.columns);
    let line = `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${(clamped * 100).toFixed(0).padStart(3)}% ${label}`;
    // A narrow terminal keeps the label and drops the bar: the label says what is running.
    if (line.length > width) line = `${(clamped * 100).toFixed(0).padStart(3)}% ${label}`;
    if (line.length > width) line = `${line.slice(0, Math.max(0, width - 1))}…`;
    this.stream.write(`\r${line.padEnd(width)}`);
    this.drawn = true;
  }

  done(): void {
    if (this.enabled && this.drawn) this.stream.write(`\r${' '.repeat(usableColumns(this.stream.columns))}\r`);
    this.drawn = false;
  }
}
