/**
 * A typed client of Switchyard's HTTP API over undici (keep-alive, no fetch on the hot path).
 * Every non-2xx answer becomes a SwitchyardClientError carrying the server's code.
 */
import { Agent, request } from 'undici';
import type { ErrorResponse, InferRequest, InferResponse, ModelMetadata, RegistryModel, RegistryVersionSummary, RepositoryEntry, SloStatusJson } from './types.js';

export class SwitchyardClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
    this.name = 'SwitchyardClientError';
  }
}

export interface ClientOptions {
  /** e.g. http://127.0.0.1:8080 */
  readonly baseUrl: string;
  /** @default 30000 */
  readonly timeoutMs?: number;
  /** Sent as `authorization: Bearer <key>` when set. */
  readonly apiKey?: string;
}

export class SwitchyardClient {
  private readonly baseUrl: string;
  private readonly agent: Agent;
  private readonly auth: Record<string, string>;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.auth = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
    const timeout = options.timeoutMs ?? 30_000;
    this.agent = new Agent({ headersTimeout: timeout, bodyTimeout: timeout, connections: 8 });
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, raw?: { bytes: Uint8Array; headers: Record<string, string> }): Promise<{ body: T; headers: Record<string, string> }> {
    const response = await request(`${this.baseUrl}${path}`, {
      method,
      dispatcher: this.agent,
      headers: raw
        ? { ...this.auth, 'content-type': 'application/octet-stream', ...raw.headers }
        : body === undefined ? this.auth : { ...this.auth, 'content-type': 'application/json' },
      body: raw ? raw.bytes : body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.statusCode >= 400) {
      const error = parsed as Partial<ErrorResponse> | undefined;
      const retryAfter = headers['retry-after'];
      throw new SwitchyardClientError(
        response.statusCode,
        error?.code ?? `HTTP_${response.statusCode}`,
        error?.error ?? `HTTP ${response.statusCode} from ${method} ${path}`,
        retryAfter === undefined ? undefined : Number(retryAfter),
      );
    }
    return { body: parsed as T, headers };
  }

  private static modelPath(model: string, version: string | undefined): string {
    const base = `/v2/models/${encodeURIComponent(model)}`;
    return version === undefined ? base : `${base}/versions/${encodeURIComponent(version)}`;
  }

  async live(): Promise<boolean> {
    return (await this.call<{ live: boolean }>('GET', '/v2/health/live')).body.live;
  }

  async repositoryIndex(): Promise<RepositoryEntry[]> {
    return (await this.call<RepositoryEntry[]>('POST', '/v2/repository/index', {})).body;
  }

  async modelMetadata(model: string, version?: string): Promise<ModelMetadata> {
    return (await this.call<ModelMetadata>('GET', SwitchyardClient.modelPath(model, version))).body;
  }

  /** Runs one inference; `headers` carries the per-call metadata headers too. */
  async infer(model: string, body: InferRequest, version?: string): Promise<{ response: InferResponse; headers: Record<string, string> }> {
    const { body: response, headers } = await this.call<InferResponse>('POST', `${SwitchyardClient.modelPath(model, version)}/infer`, body);
    return { response, headers };
  }

  /** Registry models with their versions (GET /v1/models). */
  async registryModels(): Promise<RegistryModel[]> {
    return (await this.call<{ models: RegistryModel[] }>('GET', '/v1/models')).body.models;
  }

  async registryModel(model: string): Promise<RegistryModel> {
    return (await this.call<RegistryModel>('GET', `/v1/models/${encodeURIComponent(model)}`)).body;
  }

  async registryVersion(model: string, version: string): Promise<Record<string, unknown>> {
    return (await this.call<Record<string, unknown>>('GET', `/v1/models/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}`)).body;
  }

  /** Pushes a version as raw bytes; `fileName` marks a single .onnx file, otherwise the bytes are a tar or tar.gz. */
  async pushVersion(model: string, version: string, metadata: object, bytes: Uint8Array, fileName?: string): Promise<RegistryVersionSummary> {
    const headers: Record<string, string> = { 'x-switchyard-metadata': Buffer.from(JSON.stringify(metadata)).toString('base64url') };
    if (fileName !== undefined) headers['x-switchyard-file-name'] = fileName;
    return (await this.call<RegistryVersionSummary>('POST', `/v1/models/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}`, undefined, { bytes, headers })).body;
  }

  /** Pushes a version whose artifact the server fetches from an allow-listed URL. */
  async pushVersionFromUrl(model: string, version: string, metadata: object, url: string): Promise<RegistryVersionSummary> {
    return (await this.call<RegistryVersionSummary>('POST', `/v1/models/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}`, { ...metadata, artifact: { url } })).body;
  }

  async approveVersion(model: string, version: string, decision: 'approve' | 'reject', comment: string): Promise<Record<string, unknown>> {
    return (await this.call<Record<string, unknown>>('POST', `/v1/models/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}/approvals`, { decision, comment })).body;
  }

  async transitionVersion(model: string, version: string, to: string, reason: string): Promise<RegistryVersionSummary> {
    return (await this.call<RegistryVersionSummary>('POST', `/v1/models/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}/transitions`, { to, reason })).body;
  }

  /** Every SLO with its budget remaining and burn rates (GET /v1/slos). */
  async slos(): Promise<SloStatusJson[]> {
    return (await this.call<{ slos: SloStatusJson[] }>('GET', '/v1/slos')).body.slos;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
