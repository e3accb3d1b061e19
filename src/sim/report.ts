/** The simulator's terminal table and JSON shape. */
import type { SeededGoodput } from './goodput.js';
import type { SimResult } from './simulator.js';

export interface PolicyReport {
  readonly result: SimResult;
  readonly goodput?: SeededGoodput;
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : value > 0 ? 'inf' : '-';
}

function percent(value: number): string {
  return `${(value * 100).toFixed(value >= 0.9995 || value === 0 ? 1 : 2)}%`;
}

/** Money per 1,000 with enough digits to compare small numbers. */
export function money(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value >= 0.01 ? value.toFixed(4) : value.toPrecision(3);
}

export function formatTable(rows: readonly (readonly string[])[], rightAligned: (column: number) => boolean = (c) => c > 0): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  const lines: string[] = [];
  rows.forEach((row, i) => {
    lines.push(row.map((cell, c) => (rightAligned(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd());
    if (i === 0) lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  });
  return lines.join('\n');
}

export function resultTable(reports: readonly PolicyReport[]): string {
  const targets = [...(reports.find((r) => r.goodput)?.goodput?.byTarget.keys() ?? [])];
  const header = ['policy', 'attained', 'realtime', 'throughput', 'served', 'refused', 'late', 'p50 ms', 'p95 ms', 'p99 ms', 'realtime p99', 'cost/1k USD', ...targets.map((t) => `goodput @${t * 100}%`), 'utilisation by hardware class'];
  const rows: string[][] = [header];
  for (const { result: r, goodput } of reports) {
    const refused = Object.values(r.refused).reduce((a, b) => a + (b ?? 0), 0);
    rows.push([
      r.policy,
      percent(r.attainment),
      percent(r.attainmentByClass.realtime),
      percent(r.attainmentByClass.throughput),
      String(r.served),
      String(refused),
      String(r.late),
      fixed(r.latencyMs.p50, 2),
      fixed(r.latencyMs.p95, 2),
      fixed(r.latencyMs.p99, 2),
      fixed(r.latencyByClassMs.realtime.p99, 2),
      money(r.costPer1k),
      ...targets.map((t) => {
        const g = goodput?.byTarget.get(t);
        return g ? (Number.isFinite(g.ci95) ? `${g.mean.toFixed(0)} ± ${g.ci95.toFixed(0)}` : g.mean.toFixed(0)) : '-';
      }),
      r.hardware.map((h) => `${h.hardwareClass} ${(h.utilisation * 100).toFixed(0)}% (b=${h.meanBatchRows.toFixed(1)})`).join(', '),
    ]);
  }
  return formatTable(rows, (c) => c > 0 && c < header.length - 1);
}

/** What `--json` prints for one run: the results without their raw latency arrays. */
export function resultJson(result: SimResult): Omit<SimResult, 'latencies'> {
  return Object.fromEntries(Object.entries(result).filter(([key]) => key !== 'latencies')) as Omit<SimResult, 'latencies'>;
}

export function refusalSummary(result: SimResult): string {
  const entries = Object.entries(result.refused);
  return entries.length === 0 ? 'none' : entries.map(([code, n]) => `${code} ${n}`).join(', ');
}
