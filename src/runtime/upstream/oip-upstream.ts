/**
 * An Open Inference Protocol v2 server as a backend (Triton, KServe, MLServer, another
 * Switchyard): POST {base}/v2/models/{name}[/versions/{v}]/infer over a keep-alive pool. At
 * load, the upstream's model metadata is read so the contract is checked against it like an
 * ONNX artifact's signature.
 */
import type { ModelContract } from '../../core/contract.js';
import { DATATYPES, isDatatype } from '../../core/datatypes.js';
import type { TensorMap } from '../../core/tensor.js';
import type { UpstreamSettings } from '../../core/upstream.js';
import { BackendError, type ArtifactSignature, type Backend, type BackendDescription, type BatchResult } from '../backend.js';
import { binaryFits, decodeOipOutputs, encodeOipBinaryRequest, encodeOipRequest } from './oip-wire.js';
import { parseAnswer, RepeatedJson, splitAnswer, type UpstreamHttp } from './upstream-http.js';

function modelPath(settings: UpstreamSettings, model: string): string {
  const name = encodeURIComponent(settings.model ?? model);
  return settings.version === undefined ? `/v2/models/${name}` : `/v2/models/${name}/versions/${encodeURIComponent(settings.version)}`;
}

export class OipEndpoint implements Backend {
  private running = 0;
  private readonly inferPath: string;
  /** Names this endpoint in errors and logs; built once, not per call. */
  private readonly what: string;
  /** Binary answers' JSON part, parsed once while it repeats. */
  private readonly heads = new RepeatedJson();

  constructor(
    private readonly http: UpstreamHttp,
    private readonly description: BackendDescription,
    private readonly contract: ModelContract,
    settings: UpstreamSettings,
    model: string,
    private readonly now: () => number,
    /** Tensors go as raw bytes (the upstream has the binary extension; see usesBinaryData). */
    private readonly binary = false,
  ) {
    this.inferPath = `${modelPath(settings, model)}/infer`;
    this.what = `upstream ${http.origin}${this.inferPath}`;
  }

  describe(): BackendDescription {
    return this.description;
  }

  get inFlight(): number {
    return this.running;
  }

  async run(inputs: TensorMap, outputNames: readonly string[]): Promise<BatchResult> {
    this.running++;
    const started = this.now();
    try {
      let answer;
      if (this.binary) {
        const request = encodeOipBinaryRequest(inputs, outputNames, this.contract);
        answer = await this.http.send('POST', this.inferPath, request.body, request.headerLength);
      } else {
        answer = await this.http.send('POST', this.inferPath, encodeOipRequest(inputs, outputNames, this.contract));
      }
      const { json, binary } = splitAnswer(this.what, answer, this.heads);
      const outputs = decodeOipOutputs(this.what, json, this.contract, outputNames, binary);
      return { outputs, queueMs: 0, computeMs: this.now() - started, inline: false };
    } finally {
      this.running--;
    }
  }

  async unload(): Promise<void> {
    await this.http.close();
  }
}

interface WireMetadata {
  inputs?: { name?: unknown; datatype?: unknown; shape?: unknown }[];
  outputs?: { name?: unknown; datatype?: unknown; shape?: unknown }[];
}

function signatureTensors(what: string, list: WireMetadata['inputs']): ArtifactSignature['inputs'] {
  if (!Array.isArray(list)) throw new BackendError(`${what}: the model metadata has no inputs/outputs list`);
  return list.map((t) => {
    if (typeof t.name !== 'string' || !isDatatype(t.datatype) || !Array.isArray(t.shape)) throw new BackendError(`${what}: a tensor in the model metadata lacks a name, an OIP datatype or a shape`);
    return { name: t.name, type: DATATYPES[t.datatype].ortType, shape: t.shape as number[] };
  });
}

/** GET {base}/v2/models/{name}[/versions/{v}]: the upstream's signature, in the form checkSignature takes. */
export async function readOipSignature(http: UpstreamHttp, settings: UpstreamSettings, model: string): Promise<ArtifactSignature> {
  const path = modelPath(settings, model);
  const what = `upstream ${http.origin}${path}`;
  const metadata = parseAnswer(what, (await http.send('GET', path)).body) as WireMetadata;
  return { inputs: signatureTensors(what, metadata.inputs), outputs: signatureTensors(what, metadata.outputs) };
}

/**
 * Whether calls to this upstream go as binary tensor data: allowed by `binary_data`, every
 * tensor of the contract fixed-width, and the extension listed in the server metadata
 * (GET {base}/v2). A server that does not answer that, or answers something else, gets JSON.
 */
export async function usesBinaryData(http: UpstreamHttp, settings: UpstreamSettings, contract: ModelContract): Promise<boolean> {
  if (settings.binaryData === 'never' || !binaryFits(contract)) return false;
  try {
    const metadata = parseAnswer(`upstream ${http.origin}/v2`, (await http.send('GET', '/v2')).body) as { extensions?: unknown } | null;
    return Array.isArray(metadata?.extensions) && metadata.extensions.includes('binary_tensor_data');
  } catch {
    return false;
  }
}
