/**
 * How an `upstream` model version reaches the model server it fronts, as a model.yaml says it
 * (compiled: camelCase, milliseconds). Shared by registry/ (which parses it) and runtime/
 * (which dials it), so it lives here.
 */
import type { Tier } from './tiers.js';

/** `oip`: Open Inference Protocol v2 (Triton, KServe, MLServer, Switchyard). `openai`: vLLM, TGI, llama.cpp, Ollama. */
export type UpstreamProtocol = 'oip' | 'openai';
export type OpenAiEndpoint = 'chat' | 'completions' | 'embeddings';

export interface UpstreamSettings {
  readonly protocol: UpstreamProtocol;
  /** Base URLs (`http://host:port[/prefix]`): one replica per URL. */
  readonly urls: readonly string[];
  /** The model's name at the upstream. @default this model's name */
  readonly model: string | undefined;
  /** OIP only: the version at the upstream; none = the upstream's default. */
  readonly version: string | undefined;
  /** OpenAI only: which API the model is called through. */
  readonly endpoint: OpenAiEndpoint | undefined;
  /** OpenAI only: extra request fields (max_tokens, temperature...), sent as they are. */
  readonly options: Readonly<Record<string, string | number | boolean>>;
  /** Environment variable holding a bearer token for the upstream; never written in model.yaml itself. */
  readonly apiKeyEnv: string | undefined;
  /** The hardware class the upstream runs on, as declared. @default 'upstream' */
  readonly hardwareClass: string;
  /** @default 'onprem' */
  readonly tier: Tier;
  /** Price of one upstream replica per hour, for the router's cost scoring. @default 0 */
  readonly costPerHour: number;
  /** Keep-alive connections per URL. @default 64 */
  readonly connections: number;
  /** OIP only: send merged batches to the upstream (its batch axis must allow it). @default false */
  readonly passBatches: boolean;
  /**
   * OIP only: `auto` sends tensors as raw bytes (the binary tensor data extension) when the
   * upstream's server metadata lists `binary_tensor_data` and no tensor is BYTES; `never` keeps
   * JSON. @default 'auto'
   */
  readonly binaryData: 'auto' | 'never';
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  /** Larger upstream answers are refused (UPSTREAM_RESPONSE_INVALID). @default 64 MiB */
  readonly maxResponseBytes: number;
}
