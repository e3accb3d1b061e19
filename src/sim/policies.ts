/**
 * The policies the simulator compares, all on the same Scheduler code:
 *
 * - `deadline-cost` (alias `ours`): router `deadline-cost` (predicted completion per hardware
 *   group, cost for throughput work), adaptive batching, predictive admission.
 * - the baselines users deploy today in front of Triton: `round-robin`, `random`,
 *   `least-outstanding` and `power-of-two` (least request of two random picks), each with
 *   Triton's dynamic batcher (fixed max batch size and max queue delay, the spec's preferred
 *   sizes), no admission control, and timeout action REJECT.
 */
import type { DeploymentConfig } from '../scheduler/scheduler.js';
import { isRouterPolicyName, ROUTER_POLICIES, routerPolicyOf, type RouterPolicyName } from '../scheduler/router.js';
import type { ClusterSpec } from './spec.js';

/** A policy as the user named it (an alias such as `ours` included); reports keep that name. */
export type PolicyName = RouterPolicyName;
export const POLICY_NAMES: readonly PolicyName[] = ROUTER_POLICIES;
export const BASELINES: readonly PolicyName[] = ROUTER_POLICIES.filter((p) => p !== 'deadline-cost');

export function isPolicyName(value: string): value is PolicyName {
  return isRouterPolicyName(value);
}

export function deploymentConfig(policy: PolicyName, cluster: ClusterSpec): DeploymentConfig {
  const ours = routerPolicyOf(policy) === 'deadline-cost';
  return {
    maxQueue: cluster.maxQueue,
    batching: {
      policy: ours ? 'adaptive' : 'fixed',
      preferredBatchSizes: cluster.preferredBatchSizes,
      maxQueueDelayMs: cluster.maxQueueDelayMs,
    },
    admission: ours ? 'predictive' : 'none',
  };
}

/** One line saying what a policy is, for reports. */
export function describePolicy(policy: PolicyName): string {
  return routerPolicyOf(policy) === 'deadline-cost'
    ? `${policy}: predicted-completion/cost routing, adaptive batching, predictive admission`
    : `${policy} routing, Triton-style fixed batching (max batch, max queue delay), no admission control, timeout REJECT`;
}
