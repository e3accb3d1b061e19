/**
 * The cluster as Prometheus metrics, read at scrape time: nodes by state, and the failure
 * handling counters (retries, retries refused, ejections, duplicate answers, which must stay 0).
 */
import { Gauge, type Registry } from 'prom-client';

export interface ClusterCounters {
  readonly retries: number;
  readonly retriesRefused: number;
  readonly ejections: number;
  readonly duplicateAnswers: number;
}

const NODE_STATES = ['joining', 'ready', 'suspect', 'draining', 'dead', 'left'] as const;

export function registerClusterMetrics(registry: Registry, nodeStates: () => Iterable<string>, counters: () => ClusterCounters): void {
  new Gauge({
    name: 'switchyard_cluster_nodes',
    help: 'Nodes known to this gateway, by state.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const counts = new Map<string, number>(NODE_STATES.map((s) => [s, 0]));
      for (const state of nodeStates()) counts.set(state, (counts.get(state) ?? 0) + 1);
      for (const [state, n] of counts) this.set({ state }, n);
    },
  });
  // Gauges over monotonic counters kept by the live scheduler (prom-client counters cannot be set).
  const counter = (name: string, help: string, read: (c: ClusterCounters) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(counters()));
      },
    });
  };
  counter('switchyard_cluster_retries_total', 'Requests retried on another replica after their node was lost.', (c) => c.retries);
  counter('switchyard_cluster_retries_refused_total', 'Requests lost with their node and not retried (deadline, retry budget or no replica left).', (c) => c.retriesRefused);
  counter('switchyard_replica_ejections_total', 'Outlier ejections of replicas.', (c) => c.ejections);
  counter('switchyard_duplicate_answers_total', 'Second answers to one request, dropped by the exactly-once guard (always 0 unless there is a bug).', (c) => c.duplicateAnswers);
}
