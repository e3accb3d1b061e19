/**
 * Loads an `upstream` model version: one endpoint backend per configured URL (each becomes a
 * scheduler replica), the contract checked against the upstream (OIP: its model metadata;
 * OpenAI: the shape such a contract must have). Any endpoint failing its check refuses the
 * version, with the reason, like a bad ONNX artifact.
 */
import type { ModelContract } from '../../core/contract.js';
import { DATATYPES } from '../../core/datatypes.js';
import type { UpstreamSettings } from '../../core/upstream.js';
import { BackendError, type ArtifactSignature, type Backend, type BackendDescription, type BatchResult, type LoadedBackend } from '../backend.js';
import { checkSignature } from '../signature-check.js';
import type { TensorMap } from '../../core/tensor.js';
import { OipEndpoint, readOipSignature, usesBinaryData } from './oip-upstream.js';
import { checkOpenAiContract, OpenAiEndpointBackend } from './openai-upstream.js';
import { UpstreamHttp } from './upstream-http.js';

export interface UpstreamLoadSpec {
  /** The model's name here; the upstream's name defaults to it. */
  readonly model: string;
  readonly settings: UpstreamSettings;
  readonly contract: ModelContract;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => number;
}

export type LoadUpstream = (spec: UpstreamLoadSpec) => Promise<LoadedBackend>;

/** All endpoints of one version: the scheduler uses `parts`; `run` itself goes to the least busy. */
class UpstreamBackend implements Backend {
  constructor(
    readonly parts: readonly Backend[],
    private readonly description: BackendDescription,
  ) {}

  describe(): BackendDescription {
    return this.description;
  }

  get inFlight(): number {
    return this.parts.reduce((n, p) => n + p.inFlight, 0);
  }

  run(inputs: TensorMap, outputNames: readonly string[]): Promise<BatchResult> {
    const part = this.parts.reduce((best, p) => (p.inFlight < best.inFlight ? p : best));
    return part.run(inputs, outputNames);
  }

  async unload(): Promise<void> {
    await Promise.all(this.parts.map((p) => p.unload()));
  }
}

function describe(settings: UpstreamSettings, index: number | undefined): BackendDescription {
  return {
    kind: 'upstream',
    hardwareClass: settings.hardwareClass,
    // The index, not the URL: where an upstream lives is an operator's business, not a caller's.
    device: index === undefined ? 'upstream' : `upstream:${index}`,
    simulated: false,
    mergesBatches: settings.protocol === 'oip' && settings.passBatches,
  };
}

export const loadUpstreamBackend: LoadUpstream = async (spec) => {
  const { settings, contract } = spec;
  let authorization: Record<string, string> = {};
  if (settings.apiKeyEnv !== undefined) {
    const key = spec.env[settings.apiKeyEnv];
    if (!key) throw new BackendError(`upstream.api_key_env names ${settings.apiKeyEnv}, which is not set`);
    authorization = { authorization: `Bearer ${key}` };
  }
  const https = settings.urls.map(
    (url) =>
      new UpstreamHttp({
        url,
        connections: settings.connections,
        connectTimeoutMs: settings.connectTimeoutMs,
        headersTimeoutMs: settings.headersTimeoutMs,
        bodyTimeoutMs: settings.bodyTimeoutMs,
        maxResponseBytes: settings.maxResponseBytes,
        headers: authorization,
      }),
  );
  try {
    let signature: ArtifactSignature;
    let binary: readonly boolean[] = [];
    if (settings.protocol === 'oip') {
      const signatures = await Promise.all(https.map((http) => readOipSignature(http, settings, spec.model)));
      for (const [i, s] of signatures.entries()) {
        const problems = checkSignature(contract, s);
        if (problems.length > 0) throw new BackendError(`contract does not match upstream ${https[i]!.origin}: ${problems.join('; ')}`);
      }
      signature = signatures[0]!;
      binary = await Promise.all(https.map((http) => usesBinaryData(http, settings, contract)));
    } else {
      const problems = checkOpenAiContract(settings.endpoint ?? 'chat', contract);
      if (problems.length > 0) throw new BackendError(`contract does not fit an openai upstream: ${problems.join('; ')}`);
      // Nothing to read back from the server: the contract is the signature.
      const asSignature = (list: ModelContract['inputs']): ArtifactSignature['inputs'] => list.map((t) => ({ name: t.name, type: DATATYPES[t.datatype].ortType, shape: t.shape }));
      signature = { inputs: asSignature(contract.inputs), outputs: asSignature(contract.outputs) };
    }
    const parts = https.map((http, i) =>
      settings.protocol === 'oip'
        ? new OipEndpoint(http, describe(settings, i), contract, settings, spec.model, spec.now, binary[i] ?? false)
        : new OpenAiEndpointBackend(http, describe(settings, i), contract, settings, spec.model, spec.now),
    );
    return { backend: new UpstreamBackend(parts, describe(settings, undefined)), signature };
  } catch (error) {
    await Promise.all(https.map((h) => h.close()));
    throw error instanceof BackendError && error.code !== undefined ? new BackendError(`could not load from the upstream: ${error.message}`) : error;
  }
};
