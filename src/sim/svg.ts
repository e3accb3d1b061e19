/**
 * A hand-written SVG chart of a simulation: SLO attainment against offered load per policy
 * (left), and the latency CDF of served requests per policy at one load (right). No library:
 * a few paths, axes with rounded ticks, a legend.
 */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** Error bars: x, low, high. */
  readonly errors?: readonly (readonly [number, number, number])[];
}

export interface ChartInput {
  readonly title: string;
  readonly attainment: readonly Series[];
  /** 0..1; drawn as a dashed line. */
  readonly target: number;
  readonly cdf: readonly Series[];
  readonly cdfTitle: string;
  /** @default 'SLO attainment vs offered load' */
  readonly attainmentTitle?: string;
}

const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];
const W = 1000;
const H = 460;
const PANEL = { width: 400, height: 300, top: 80 };

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A generous estimate of a sans-serif text's width: 0.62 em per character (0.68 bold). */
export function textWidth(text: string, size: number, bold = false): number {
  return text.length * size * (bold ? 0.68 : 0.62);
}

/**
 * A text element that never runs past `maxWidth`: a longer one is squeezed to fit
 * (textLength) instead of being cut at the edge of its panel or of the chart.
 */
function fitted(text: string, attrs: string, size: number, maxWidth: number, bold = false): string {
  const squeeze = textWidth(text, size, bold) > maxWidth ? ` textLength="${num(maxWidth)}" lengthAdjust="spacingAndGlyphs"` : '';
  return `<text ${attrs} font-size="${size}"${bold ? ' font-weight="bold"' : ''}${squeeze}>${escape(text)}</text>`;
}

function num(value: number): string {
  return Number(value.toFixed(2)).toString();
}

/** About `count` round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= min * 0.999 && v <= max * 1.001) ticks.push(Number(v.toPrecision(6)));
    }
  }
  return ticks;
}

function label(value: number): string {
  if (value >= 1e6) return `${num(value / 1e6)}M`;
  if (value >= 1e3) return `${num(value / 1e3)}k`;
  return num(value);
}

interface Axis {
  readonly min: number;
  readonly max: number;
  readonly log: boolean;
}

function scale(axis: Axis, length: number, value: number, invert: boolean): number {
  const f = axis.log ? (Math.log(value) - Math.log(axis.min)) / (Math.log(axis.max) - Math.log(axis.min)) : (value - axis.min) / (axis.max - axis.min);
  const clamped = Math.min(1, Math.max(0, f));
  return invert ? length * (1 - clamped) : length * clamped;
}

function panel(x0: number, title: string, xTitle: string, yTitle: string, xAxis: Axis, yAxis: Axis, series: readonly Series[], yFormat: (v: number) => string, extra = ''): string {
  const { width, height, top } = PANEL;
  const parts: string[] = [`<g transform="translate(${x0},${top})">`];
  parts.push(fitted(title, `x="${width / 2}" y="-16" text-anchor="middle"`, 14, width, true));
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="none" stroke="#999"/>`);
  const xTicks = xAxis.log ? logTicks(xAxis.min, xAxis.max) : niceTicks(xAxis.min, xAxis.max, 5);
  for (const t of xTicks) {
    const x = num(scale(xAxis, width, t, false));
    parts.push(`<line x1="${x}" y1="0" x2="${x}" y2="${height}" stroke="#eee"/>`);
    parts.push(`<text x="${x}" y="${height + 16}" text-anchor="middle" font-size="11">${label(t)}</text>`);
  }
  for (const t of niceTicks(yAxis.min, yAxis.max, 5)) {
    const y = num(scale(yAxis, height, t, true));
    parts.push(`<line x1="0" y1="${y}" x2="${width}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<text x="-6" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${yFormat(t)}</text>`);
  }
  parts.push(fitted(xTitle, `x="${width / 2}" y="${height + 36}" text-anchor="middle"`, 12, width));
  parts.push(fitted(yTitle, `transform="translate(-44,${height / 2}) rotate(-90)" text-anchor="middle"`, 12, height));
  parts.push(extra);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const d = s.points
      .filter(([x]) => !xAxis.log || x > 0)
      .map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${num(scale(xAxis, width, x, false))},${num(scale(yAxis, height, y, true))}`)
      .join(' ');
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${i === 0 ? 2.5 : 1.5}"/>`);
    for (const [x, lo, hi] of s.errors ?? []) {
      if (!(hi > lo) || (xAxis.log && x <= 0)) continue;
      const px = num(scale(xAxis, width, x, false));
      parts.push(`<line x1="${px}" y1="${num(scale(yAxis, height, Math.max(lo, yAxis.min), true))}" x2="${px}" y2="${num(scale(yAxis, height, Math.min(hi, yAxis.max), true))}" stroke="${color}" stroke-width="1"/>`);
    }
  });
  parts.push('</g>');
  return parts.join('\n');
}

function bounds(series: readonly Series[], pick: 0 | 1, positive: boolean): [number, number] {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    for (const p of s.points) {
      const v = p[pick];
      if (!Number.isFinite(v) || (positive && v <= 0)) continue;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  return Number.isFinite(min) ? [min, max > min ? max : min * 2 || 1] : [positive ? 1 : 0, positive ? 10 : 1];
}

/** Down-samples sorted latencies to at most `points` CDF points. */
export function cdfPoints(sorted: Float64Array, total: number, points = 200): [number, number][] {
  const out: [number, number][] = [];
  if (sorted.length === 0) return out;
  for (let k = 1; k <= points; k++) {
    const i = Math.min(sorted.length - 1, Math.ceil((k / points) * sorted.length) - 1);
    out.push([sorted[i]!, (i + 1) / total]);
  }
  return out;
}

export function renderChart(input: ChartInput): string {
  const [rMin, rMax] = bounds(input.attainment, 0, true);
  const rateAxis: Axis = { min: rMin, max: rMax, log: rMax / rMin > 20 };
  const [aMin] = bounds(input.attainment, 1, false);
  const attainAxis: Axis = { min: Math.max(0, Math.min(0.9, Math.floor(aMin * 10) / 10)), max: 1, log: false };
  const [lMin, lMax] = bounds(input.cdf, 0, true);
  const latencyAxis: Axis = { min: Math.max(lMin, 1e-3), max: lMax, log: true };
  const targetY = num(scale(attainAxis, PANEL.height, input.target, true));
  const targetLine = `<line x1="0" y1="${targetY}" x2="${PANEL.width}" y2="${targetY}" stroke="#555" stroke-dasharray="5,4"/><text x="${PANEL.width - 4}" y="${Number(targetY) - 4}" text-anchor="end" font-size="11" fill="#555">${num(input.target * 100)}% target</text>`;
  const pct = (v: number): string => `${num(v * 100)}%`;
  const names = [...new Set([...input.attainment, ...input.cdf].map((s) => s.name))];
  // Legend entries as wide as their names, squeezed together if they would run off the chart.
  const widths = names.map((name) => 20 + textWidth(name, 12) + 24);
  const total = widths.reduce((a, b) => a + b, 0);
  const shrink = Math.min(1, (W - 100) / Math.max(1, total));
  let x = 80;
  const legend = names
    .map((name, i) => {
      const entry = `<g transform="translate(${num(x)},${H - 22})"><rect width="14" height="4" y="-6" fill="${COLORS[i % COLORS.length]!}"/>${fitted(name, 'x="20" y="0"', 12, widths[i]! * shrink - 24)}</g>`;
      x += widths[i]! * shrink;
      return entry;
    })
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    fitted(input.title, `x="${W / 2}" y="28" text-anchor="middle"`, 16, W - 40, true),
    panel(70, input.attainmentTitle ?? 'SLO attainment vs offered load', 'offered load, requests/s', 'met deadline (refused = missed)', rateAxis, attainAxis, names.map((n) => input.attainment.find((s) => s.name === n) ?? { name: n, points: [] }), pct, targetLine),
    panel(570, input.cdfTitle, 'latency of served requests, ms (log)', 'fraction of all requests', latencyAxis, { min: 0, max: 1, log: false }, names.map((n) => input.cdf.find((s) => s.name === n) ?? { name: n, points: [] }), pct),
    legend,
    '</svg>',
    '',
  ].join('\n');
}
