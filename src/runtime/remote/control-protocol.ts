/**
 * The control plane between a gateway and its agents: the /internal/v1 routes, the messages on
 * them and their schemas. Both ends validate what they receive against the same schemas: the
 * gateway refuses a malformed join or heartbeat with INVALID_REQUEST, the agent refuses a
 * malformed answer with a message naming the field.
 *
 * Versioning: the control plane and the data plane are one protocol and carry one version,
 * `switchyard-dataplane/<major>.<minor>` (protocol.ts), offered in the join body's `protocol` and
 * the version header. The rule is the data plane's: a minor version only adds optional fields
 * (or optional values a peer may ignore), so any minor of the same major is accepted and the
 * schemas let unknown properties through; anything else is a new major, refused at join.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { Device } from '../../hardware/device.js';
import { TIERS, type Tier } from '../../core/tiers.js';
import { AGENT_REPLICA_STATES, type AgentReplicaState } from '../../core/replica-states.js';

/** The routes, as fastify declares them. */
export const CONTROL_ROUTES = {
  join: '/internal/v1/join',
  heartbeat: '/internal/v1/nodes/:id/heartbeat',
  artifact: '/internal/v1/nodes/:id/artifacts/:model/:version',
  leave: '/internal/v1/nodes/:id/leave',
} as const;

/** The same routes, as an agent calls them. */
export const controlPath = {
  join: (): string => CONTROL_ROUTES.join,
  heartbeat: (node: string): string => `/internal/v1/nodes/${encodeURIComponent(node)}/heartbeat`,
  artifact: (node: string, model: string, version: string): string => `/internal/v1/nodes/${encodeURIComponent(node)}/artifacts/${encodeURIComponent(model)}/${encodeURIComponent(version)}`,
  leave: (node: string): string => `/internal/v1/nodes/${encodeURIComponent(node)}/leave`,
};

/**
 * A replica as its agent reports it: `assigned` (the gateway placed it, no report yet),
 * `loading`, `ready`, `failed` (refused: digest mismatch, load failure; the reason says which).
 */
// The one replica lifecycle lives in core; the heartbeat carries the agent's subset of it.
export { AGENT_REPLICA_STATES, type AgentReplicaState };

/** Where an agent gets a replica's model file. Protocol 1.2: `gateway`, a registry version fetched from the gateway. */
export type ArtifactSource = 'repository' | 'gateway';

/** POST /internal/v1/join, with `authorization: Bearer <cluster token>`. */
export interface JoinRequest {
  readonly name: string;
  /** The agent's data-plane origin, `http(s)://host:port`. */
  readonly dataplane_url: string;
  /** @default onprem */
  readonly tier?: Tier;
  readonly devices: readonly Device[];
  readonly agent_version?: string;
  /** The protocol the agent speaks; checked with checkProtocol before the rest of the body. */
  readonly protocol: string;
}

export interface JoinAnswer {
  readonly node_id: string;
  readonly node_secret: string;
  readonly heartbeat_ms: number;
  /** The protocol the gateway speaks. */
  readonly protocol: string;
}

export interface ReplicaReport {
  readonly replica: string;
  readonly state: AgentReplicaState;
  readonly reason?: string;
}

/** POST /internal/v1/nodes/{id}/heartbeat, with `authorization: Bearer <node secret>`. */
export interface Heartbeat {
  readonly draining: boolean;
  readonly replicas: readonly ReplicaReport[];
  /** Free-form numbers for operators (GET /v1/nodes): memory, load, batches in flight. */
  readonly telemetry?: Record<string, unknown>;
}

/** What an agent is told to host. */
export interface Assignment {
  readonly replica: string;
  readonly model: string;
  readonly version: string;
  /** `sha256:<hex>` of the model file; the agent refuses a file with another digest. */
  readonly digest: string;
  /** Absent before protocol 1.2: read as `repository`. */
  readonly source?: ArtifactSource;
}

export interface HeartbeatAnswer {
  readonly assignments: readonly Assignment[];
}

/** The body of any refusal, either direction. */
export interface ControlError {
  readonly code: string;
  readonly error: string;
}

const NAME = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$';
const TEXT = { type: 'string', maxLength: 1024 } as const;

const DEVICE_SCHEMA = {
  type: 'object',
  required: ['id', 'kind', 'memoryBytes'],
  properties: {
    id: TEXT,
    kind: TEXT,
    memoryBytes: { type: 'number', minimum: 0 },
    class: { type: ['string', 'null'] },
    real: { type: 'boolean' },
  },
} as const;

const JOIN_REQUEST_SCHEMA = {
  type: 'object',
  required: ['name', 'dataplane_url', 'devices', 'protocol'],
  properties: {
    name: { type: 'string', pattern: NAME },
    dataplane_url: { type: 'string', pattern: '^https?://[^/\\s]+/?$' },
    tier: { enum: TIERS },
    devices: { type: 'array', maxItems: 256, items: DEVICE_SCHEMA },
    agent_version: { type: 'string' },
    protocol: { type: 'string' },
  },
} as const;

const JOIN_ANSWER_SCHEMA = {
  type: 'object',
  required: ['node_id', 'node_secret', 'heartbeat_ms', 'protocol'],
  properties: {
    node_id: { type: 'string', minLength: 1, maxLength: 200 },
    node_secret: { type: 'string', minLength: 1, maxLength: 1024 },
    heartbeat_ms: { type: 'number', exclusiveMinimum: 0 },
    protocol: { type: 'string' },
  },
} as const;

const HEARTBEAT_SCHEMA = {
  type: 'object',
  required: ['draining', 'replicas'],
  properties: {
    draining: { type: 'boolean' },
    replicas: {
      type: 'array',
      items: {
        type: 'object',
        required: ['replica', 'state'],
        properties: { replica: TEXT, state: { enum: AGENT_REPLICA_STATES }, reason: { type: 'string' } },
      },
    },
    telemetry: { type: 'object' },
  },
} as const;

const HEARTBEAT_ANSWER_SCHEMA = {
  type: 'object',
  required: ['assignments'],
  properties: {
    assignments: {
      type: 'array',
      items: {
        type: 'object',
        required: ['replica', 'model', 'version', 'digest'],
        properties: { replica: TEXT, model: TEXT, version: TEXT, digest: { type: 'string' }, source: { enum: ['repository', 'gateway'] } },
      },
    },
  },
} as const;

const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true });

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** Field-specific wording where ajv's would not tell a person what to send. */
type Hints = Readonly<Record<string, (index: string | undefined) => string>>;

function reader<T>(what: string, schema: object, hints: Hints = {}): (body: unknown) => Checked<T> {
  const validate = ajv.compile(schema) as ValidateFunction<T>;
  return (body) => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, reason: `${what} must be a JSON object` };
    if (validate(body)) return { ok: true, value: body };
    return { ok: false, reason: `${what}: ${explain(validate.errors?.[0], hints)}` };
  };
}

function explain(error: ErrorObject | undefined, hints: Hints): string {
  if (!error) return 'does not match the schema';
  const missing = error.keyword === 'required' ? String((error.params as { missingProperty: string }).missingProperty) : undefined;
  const segments = error.instancePath.split('/').slice(1);
  if (missing) segments.push(missing);
  const field = segments[0];
  const hint = field === undefined ? undefined : hints[field];
  if (hint) return hint(segments[1]);
  const where = segments.map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`)).join('').replace(/^\./, '');
  return missing ? `${where} is missing` : `${where || 'body'} ${error.message ?? 'is invalid'}`;
}

const JOIN_HINTS: Hints = {
  name: () => 'name must be 1-63 letters, digits, _ . -',
  dataplane_url: () => 'dataplane_url must be an http(s) origin',
  tier: () => `tier must be ${TIERS.join(', ')}`,
  devices: (i) => (i === undefined ? 'devices must be an array of at most 256 devices' : `devices[${i}] needs id, kind and memoryBytes`),
};

/** The gateway reads a join body (after checkProtocol on its `protocol`). */
export const readJoinRequest = reader<JoinRequest>('join body', JOIN_REQUEST_SCHEMA, JOIN_HINTS);
/** The gateway reads a heartbeat body. */
export const readHeartbeat = reader<Heartbeat>('heartbeat body', HEARTBEAT_SCHEMA);
/** The agent reads the gateway's answer to its join. */
export const readJoinAnswer = reader<JoinAnswer>("the gateway's join answer", JOIN_ANSWER_SCHEMA);
/** The agent reads the gateway's answer to a heartbeat. */
export const readHeartbeatAnswer = reader<HeartbeatAnswer>("the gateway's heartbeat answer", HEARTBEAT_ANSWER_SCHEMA);
