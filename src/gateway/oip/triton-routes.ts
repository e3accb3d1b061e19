/**
 * Triton's model configuration and statistics routes, which its clients and perf_analyzer call:
 * GET /v2/models/{m}[/versions/{v}]/config and GET /v2/models[/{m}[/versions/{v}]]/stats. The
 * configuration is derived from the version's contract in Triton's JSON form (field names of
 * model_config.proto); perf_analyzer reads `max_batch_size`, `input`/`output`, `platform` and
 * whether `dynamic_batching` is present.
 */
import type { FastifyInstance } from 'fastify';
import type { TensorSpec } from '../../core/contract.js';
import type { ModelCatalog, ServedVersion } from '../../serving/model-catalog.js';
import { resolveVersion } from '../../serving/resolve-version.js';
import type { InferenceStats } from './inference-stats.js';
import { platformOf } from './metadata-routes.js';

interface ModelParams { model: string; version?: string }

/** OIP datatype -> Triton's DataType enum name. */
function tritonType(datatype: string): string {
  return datatype === 'BYTES' ? 'TYPE_STRING' : `TYPE_${datatype}`;
}

/** A tensor's dims as Triton writes them: without the batch dimension when the model batches. */
function dims(spec: TensorSpec, batching: boolean): number[] {
  return batching && spec.batchAxis !== undefined ? spec.shape.filter((_, axis) => axis !== spec.batchAxis) : [...spec.shape];
}

export function tritonConfig(served: ServedVersion): object {
  const config = served.config;
  const contract = config?.contract;
  const batching = (contract?.maxBatchSize ?? 0) > 0;
  const description = served.backend?.describe();
  return {
    name: served.model,
    platform: platformOf(served),
    backend: config?.backend === 'onnx' ? 'onnxruntime' : (config?.backend ?? ''),
    version_policy: { specific: { versions: [Number(served.version)] } },
    max_batch_size: contract?.maxBatchSize ?? 0,
    input: (contract?.inputs ?? []).map((spec) => ({
      name: spec.name,
      data_type: tritonType(spec.datatype),
      format: 'FORMAT_NONE',
      dims: dims(spec, batching),
      is_shape_tensor: false,
      allow_ragged_batch: false,
      optional: false,
    })),
    output: (contract?.outputs ?? []).map((spec) => ({ name: spec.name, data_type: tritonType(spec.datatype), dims: dims(spec, batching), label_filename: '', is_shape_tensor: false })),
    // Switchyard batches every batching model dynamically; its queue delay by latency class.
    ...(batching && config
      ? {
          dynamic_batching: {
            preferred_batch_size: [...config.batching.preferredBatchSizes],
            max_queue_delay_microseconds: Math.round(config.batching.maxQueueDelayMs[config.latencyClass] * 1000),
            preserve_ordering: false,
          },
        }
      : {}),
    instance_group: description ? [{ name: `${served.model}_0`, kind: description.executionProvider === 'cuda' ? 'KIND_GPU' : 'KIND_CPU', count: 1 }] : [],
    default_model_filename: config && config.backend !== 'upstream' ? config.artifact : '',
    parameters: {},
  };
}

export function registerTritonRoutes(app: FastifyInstance, catalog: ModelCatalog, stats: InferenceStats): void {
  const config = async (request: { params: ModelParams }): Promise<object> => tritonConfig(resolveVersion(catalog, request.params.model, request.params.version));
  app.get<{ Params: ModelParams }>('/v2/models/:model/config', config);
  app.get<{ Params: ModelParams }>('/v2/models/:model/versions/:version/config', config);

  const entries = (versions: readonly ServedVersion[]): object => ({ model_stats: versions.map((v) => stats.entry(v.model, v.version)) });
  app.get('/v2/models/stats', async () => entries(catalog.all()));
  app.get<{ Params: ModelParams }>('/v2/models/:model/stats', async (request) => {
    resolveVersion(catalog, request.params.model, undefined);
    return entries(catalog.versions(request.params.model));
  });
  app.get<{ Params: ModelParams }>('/v2/models/:model/versions/:version/stats', async (request) => entries([resolveVersion(catalog, request.params.model, request.params.version)]));
}
