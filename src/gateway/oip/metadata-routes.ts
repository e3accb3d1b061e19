/** OIP health, server metadata, model metadata and readiness, and Triton's repository index. */
import type { FastifyInstance } from 'fastify';
import type { TensorSpec } from '../../core/contract.js';
import type { ModelCatalog, ServedVersion } from '../../serving/model-catalog.js';
import { resolveVersion } from '../../serving/resolve-version.js';
import type { ReplicaInfo } from '../../telemetry/replica-metrics.js';

/** Replicas of one version, grouped by what they run on: how many, and whether simulated. */
interface HardwareSummary {
  hardware_class: string;
  tier: string;
  backend: string;
  simulated: boolean;
  replicas: number;
}

function hardwareOf(replicas: Iterable<ReplicaInfo>, model: string, version: string): HardwareSummary[] {
  const groups = new Map<string, HardwareSummary>();
  for (const r of replicas) {
    if (r.model !== model || r.version !== version) continue;
    const key = `${r.hardwareClass}|${r.tier}|${r.backend}|${r.simulated}`;
    const group = groups.get(key);
    if (group) group.replicas++;
    else groups.set(key, { hardware_class: r.hardwareClass, tier: r.tier, backend: r.backend, simulated: r.simulated, replicas: 1 });
  }
  return [...groups.values()];
}

const PLATFORMS: Record<string, string> = { onnx: 'onnxruntime_onnx', upstream: 'switchyard_upstream', rules: 'switchyard_rules', sim: 'switchyard_sim' };

export const SERVER_NAME = 'switchyard';
export const SERVER_EXTENSIONS = ['binary_tensor_data', 'model_repository', 'switchyard_metadata'];

interface ModelParams { model: string; version?: string }

function tensorMetadata(spec: TensorSpec): { name: string; datatype: string; shape: number[] } {
  return { name: spec.name, datatype: spec.datatype, shape: [...spec.shape] };
}

/** Triton's platform name for what runs the version. */
export function platformOf(served: ServedVersion): string {
  return PLATFORMS[served.backend?.describe().kind ?? served.config?.backend ?? 'onnx'] ?? 'onnxruntime_onnx';
}

function modelMetadata(served: ServedVersion, versions: string[], hardware: HardwareSummary[]): object {
  const description = served.backend?.describe();
  const config = served.config;
  return {
    name: served.model,
    versions,
    platform: platformOf(served),
    inputs: config?.contract.inputs.map(tensorMetadata) ?? [],
    outputs: config?.contract.outputs.map(tensorMetadata) ?? [],
    // Extension (switchyard_metadata): what the server knows about this version.
    parameters: {
      version: served.version,
      state: served.state,
      ...(served.reason === undefined ? {} : { reason: served.reason }),
      ...(served.digest === undefined ? {} : { digest: served.digest }),
      ...(config
        ? {
            description: config.description,
            latency_class: config.latencyClass,
            max_batch_size: config.contract.maxBatchSize,
            batch_axes: Object.fromEntries([...config.contract.inputs, ...config.contract.outputs].flatMap((t) => (t.batchAxis === undefined ? [] : [[t.name, t.batchAxis]]))),
            metadata: config.metadata,
          }
        : {}),
      ...(description
        ? { backend: description.kind, hardware_class: description.hardwareClass, device: description.device, simulated: description.simulated }
        : {}),
      // Every replica the scheduler routes between: declared devices show `simulated: true`.
      ...(hardware.length > 0 ? { hardware } : {}),
    },
  };
}

/**
 * `needsReplica`: this server runs no replicas itself (a cluster gateway), so a version is ready
 * only while a replica of it (on an agent or a declared device) is ready, not merely loaded.
 */
export function registerMetadataRoutes(app: FastifyInstance, catalog: ModelCatalog, serverVersion: string, isReady: () => boolean, replicas: () => Iterable<ReplicaInfo> = () => [], needsReplica = false): void {
  app.get('/v2/health/live', async () => ({ live: true }));

  app.get('/v2/health/ready', async (_request, reply) => {
    const ready = isReady();
    return reply.code(ready ? 200 : 503).send({ ready });
  });

  app.get('/v2', async () => ({ name: SERVER_NAME, version: serverVersion, extensions: SERVER_EXTENSIONS }));

  const metadata = async (request: { params: ModelParams }): Promise<object> => {
    const { model, version } = request.params;
    const served = resolveVersion(catalog, model, version);
    const versions = version === undefined ? catalog.versions(model).map((v) => v.version) : [served.version];
    return modelMetadata(served, versions, hardwareOf(replicas(), served.model, served.version));
  };
  app.get<{ Params: ModelParams }>('/v2/models/:model', metadata);
  app.get<{ Params: ModelParams }>('/v2/models/:model/versions/:version', metadata);

  const ready = async (request: { params: ModelParams }, reply: { code(n: number): unknown }): Promise<object> => {
    const served = resolveVersion(catalog, request.params.model, request.params.version);
    let isServing = served.state === 'READY';
    if (isServing && needsReplica) isServing = [...replicas()].some((r) => r.model === served.model && r.version === served.version && r.state === 'ready');
    reply.code(isServing ? 200 : 503);
    return { name: served.model, ready: isServing };
  };
  app.get<{ Params: ModelParams }>('/v2/models/:model/ready', ready);
  app.get<{ Params: ModelParams }>('/v2/models/:model/versions/:version/ready', ready);

  app.post<{ Body: unknown }>('/v2/repository/index', async (request) => {
    const body = request.body;
    const onlyReady = typeof body === 'object' && body !== null && (body as { ready?: unknown }).ready === true;
    const all = [...replicas()];
    return catalog
      .all()
      .filter((v) => !onlyReady || v.state === 'READY')
      .map((v) => ({
        name: v.model,
        version: v.version,
        state: v.state,
        reason: v.reason ?? '',
        ...(v.digest === undefined ? {} : { digest: v.digest }),
        ...(v.config === undefined ? {} : { description: v.config.description }),
        ...(() => {
          const hardware = hardwareOf(all, v.model, v.version);
          return hardware.length === 0 ? {} : { simulated: hardware.some((h) => h.simulated), hardware };
        })(),
      }));
  });
}
