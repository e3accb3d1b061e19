/**
 * A replica's lifecycle, named once. The gateway places a replica (`assigned`), its host loads it
 * (`loading`), it serves (`ready`), its node drains (`draining`), or it fails (`failed`, from any
 * state). Each party sees a subset, derived here so a new state is added in one place.
 */
export const REPLICA_STATES = ['assigned', 'loading', 'ready', 'draining', 'failed'] as const;
export type ReplicaLifecycleState = (typeof REPLICA_STATES)[number];

/** What the scheduler routes by: it learns of a replica once its loading has begun. */
export type ReplicaState = Exclude<ReplicaLifecycleState, 'assigned'>;

/** What an agent reports per replica in its heartbeat; draining is reported for the whole node. */
export type AgentReplicaState = Exclude<ReplicaLifecycleState, 'draining'>;
export const AGENT_REPLICA_STATES: readonly AgentReplicaState[] = REPLICA_STATES.filter((s): s is AgentReplicaState => s !== 'draining');
