/**
 * The internal data-plane protocol between a gateway and its agents, versioned as
 * `switchyard-dataplane/<major>.<minor>`. A minor bump only adds optional fields, so any minor
 * is accepted; a different major is refused at join with a clear error.
 */
export const DATAPLANE_MAJOR = 1;
/**
 * 1.1: a batch may carry `urgent: true` (it holds critical work; see RunOptions.urgent).
 * 1.2: an assignment may carry `source: 'gateway'` (a registry version): the agent fetches its
 * model file from the gateway's artifact route instead of reading its own repository.
 */
export const DATAPLANE_MINOR = 2;
export const DATAPLANE_PROTOCOL = `switchyard-dataplane/${DATAPLANE_MAJOR}.${DATAPLANE_MINOR}`;

/** Header every data-plane request and join carries. */
export const PROTOCOL_HEADER = 'x-switchyard-dataplane';

/** The SHA-256 (`sha256:<hex>`) of the model file the gateway's artifact route sends. */
export const ARTIFACT_DIGEST_HEADER = 'x-switchyard-artifact-digest';

export const DATAPLANE_PATHS = {
  batch: '/dataplane/v1/batch',
  health: '/dataplane/v1/health',
} as const;

export type ProtocolCheck = { readonly ok: true; readonly minor: number } | { readonly ok: false; readonly reason: string };

export function checkProtocol(offered: unknown): ProtocolCheck {
  const match = typeof offered === 'string' ? /^switchyard-dataplane\/(\d{1,4})\.(\d{1,4})$/.exec(offered) : null;
  if (!match) return { ok: false, reason: `protocol must look like switchyard-dataplane/<major>.<minor>, got ${JSON.stringify(offered)}` };
  const major = Number(match[1]);
  if (major !== DATAPLANE_MAJOR) return { ok: false, reason: `agent speaks ${String(offered)} but this gateway speaks ${DATAPLANE_PROTOCOL}: major versions differ; run the same major version on both` };
  return { ok: true, minor: Number(match[2]) };
}
