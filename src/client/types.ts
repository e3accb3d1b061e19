/** The wire types of the OIP v2 REST API as Switchyard serves it. */
import type { Datatype } from '../core/datatypes.js';
import type { ErrorCode } from '../core/errors.js';

export type { Datatype, ErrorCode };

export interface TensorMetadata {
  name: string;
  datatype: Datatype;
  shape: number[];
}

export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  parameters: {
    version: string;
    state: 'LOADING' | 'READY' | 'UNAVAILABLE' | 'UNLOADING';
    reason?: string;
    digest?: string;
    description?: string;
    latency_class?: string;
    max_batch_size?: number;
    batch_axes?: Record<string, number>;
    backend?: string;
    hardware_class?: string;
    device?: string;
    simulated?: boolean;
    /** Every replica of the version, grouped; `simulated` for declared devices (the sim backend). */
    hardware?: HardwareGroup[];
  };
}

export interface HardwareGroup {
  hardware_class: string;
  tier: string;
  backend: string;
  simulated: boolean;
  replicas: number;
}

export interface RepositoryEntry {
  name: string;
  version: string;
  state: string;
  reason: string;
  digest?: string;
  description?: string;
  /** True when any replica of the version is a declared, simulated device. */
  simulated?: boolean;
  hardware?: HardwareGroup[];
}

export type JsonTensorData = (number | boolean | string)[] | JsonTensorData[];

export interface InferInput {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: JsonTensorData;
  parameters?: Record<string, unknown>;
}

export interface InferRequest {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: InferInput[];
  outputs?: { name: string }[];
}

export interface InferOutput {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: (number | boolean | string | null)[];
}

export interface InferResponse {
  model_name: string;
  model_version: string;
  id?: string;
  parameters: {
    model: string;
    model_version: string;
    digest: string;
    backend: string;
    hardware_class: string;
    device: string;
    simulated: boolean;
    batch_size: number;
    queue_ms: number;
    compute_ms: number;
    total_ms: number;
    trace_id: string;
  };
  outputs: InferOutput[];
}

export interface ErrorResponse {
  error: string;
  code: ErrorCode;
  retryable: boolean;
}

/** A registry version as listed (GET /v1/models). */
export interface RegistryVersionSummary {
  model: string;
  version: string;
  state: 'draft' | 'staged' | 'approved' | 'production' | 'retired';
  digest: string;
  breaking: boolean;
  created_by: string;
  created_at: string;
}

export interface RegistryModel {
  name: string;
  description: string;
  created_by: string;
  created_at: string;
  versions: RegistryVersionSummary[];
  deployments?: { version: string; from: string | null; to: string; by: string; at: string; reason: string }[];
}

/** One SLO as GET /v1/slos answers it (docs/slo.md). */
export interface SloStatusJson {
  id: string;
  model: string;
  version: string;
  latency_class: string;
  objective: { latency_threshold_ms: number; latency_target: number; availability_target: number; window_days: number; actions: string[] };
  requests_in_window: number;
  budget_remaining: { latency: number; availability: number };
  /** Per SLI, burn rate per window (`5m`, `30m`, `1h`, `6h`, `3d`). */
  burn_rates: { latency: Record<string, number>; availability: Record<string, number> };
  firing: { sli: string; pair: string; severity: string }[];
  actions_in_force: { shed: boolean; fallback: boolean; freeze: boolean };
  reason: string | null;
}
