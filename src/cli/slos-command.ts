/**
 * `switchyard slos`: every SLO the server tracks, with its error budget left and burn rates,
 * over the admin API (GET /v1/slos; roles admin, operator, viewer). The key comes from
 * --api-key or SWITCHYARD_API_KEY, as for `switchyard models`.
 */
import type { Command } from 'commander';
import type { SloStatusJson } from '../client/types.js';
import type { WithClient } from './models-commands.js';

const percent = (share: number): string => `${Number((share * 100).toFixed(3))}%`;
/** Budget left as a share of the whole budget; negative once it is overspent. */
const budget = (left: number): string => `${Math.round(left * 100)}%`;
const burn = (rate: number | undefined): string => (rate === undefined ? '-' : `${Number(rate.toFixed(2))}x`);

function inForce(slo: SloStatusJson): string {
  const on = (['shed', 'fallback', 'freeze'] as const).filter((action) => slo.actions_in_force[action]);
  return on.length > 0 ? on.join(',') : '-';
}

/** One line per SLO; latency and availability figures side by side as `latency/availability`. */
export function sloTable(slos: readonly SloStatusJson[]): string {
  const rows = [['SLO', 'OBJECTIVE', 'REQUESTS', 'BUDGET LEFT', 'BURN 5m', 'BURN 1h', 'BURN 6h', 'IN FORCE']];
  for (const slo of slos) {
    const o = slo.objective;
    const pair = (window: string): string => `${burn(slo.burn_rates.latency[window])}/${burn(slo.burn_rates.availability[window])}`;
    rows.push([
      slo.id,
      `${percent(o.latency_target)} < ${o.latency_threshold_ms} ms, ${percent(o.availability_target)} ok, ${o.window_days} d`,
      String(slo.requests_in_window),
      `${budget(slo.budget_remaining.latency)}/${budget(slo.budget_remaining.availability)}`,
      pair('5m'),
      pair('1h'),
      pair('6h'),
      inForce(slo),
    ]);
  }
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const lines = rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '));
  // The control loop's reasons name their SLO already.
  const reasons = slos.flatMap((s) => (s.reason ? [`  ${s.reason}`] : []));
  return [...lines, ...(slos.length === 0 ? ['(no SLOs: set one in model.yaml or with PUT /v1/slos/{id})'] : []), ...reasons].join('\n') + '\n';
}

export function registerSlosCommand(program: Command, defaultUrl: string, withClient: WithClient): void {
  program
    .command('slos')
    .description('list SLOs with their error budget left and burn rates (latency/availability)')
    .option('--url <url>', 'server address', defaultUrl)
    .option('--api-key <key>', 'API key (default SWITCHYARD_API_KEY)', process.env.SWITCHYARD_API_KEY)
    .option('--json', 'print the JSON of GET /v1/slos')
    .action((options: { url: string; apiKey?: string; json?: boolean }) =>
      withClient(options, async (client) => {
        const slos = await client.slos();
        process.stdout.write(options.json ? `${JSON.stringify({ slos }, null, 2)}\n` : sloTable(slos));
      }),
    );
}
