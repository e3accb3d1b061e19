/**
 * An OpenAI-compatible server as a backend (vLLM, TGI, llama.cpp server, Ollama), behind an
 * OIP contract: one BYTES input of texts in; for `chat` and `completions` one BYTES output of
 * the same shape (one call per text, concurrently), for `embeddings` one FP32 [rows, dim]
 * output (one call for all texts). A chat text that is a JSON array of {role, content} is
 * sent as the whole conversation.
 */
import type { ModelContract, TensorSpec } from '../../core/contract.js';
import type { TensorMap } from '../../core/tensor.js';
import type { OpenAiEndpoint, UpstreamSettings } from '../../core/upstream.js';
import { BackendError, type Backend, type BackendDescription, type BatchResult } from '../backend.js';
import { parseAnswer, type UpstreamHttp } from './upstream-http.js';

const PATHS: Readonly<Record<OpenAiEndpoint, string>> = { chat: '/v1/chat/completions', completions: '/v1/completions', embeddings: '/v1/embeddings' };

/** What a contract must look like to front this endpoint; problems are reported at load. */
export function checkOpenAiContract(endpoint: OpenAiEndpoint, contract: ModelContract): string[] {
  const problems: string[] = [];
  const input = contract.inputs[0];
  const output = contract.outputs[0];
  if (contract.inputs.length !== 1 || input?.datatype !== 'BYTES') problems.push('an openai upstream takes exactly one BYTES input (the texts)');
  if (contract.outputs.length !== 1 || !output) problems.push('an openai upstream gives exactly one output');
  else if (endpoint === 'embeddings') {
    if (output.datatype !== 'FP32' || output.shape.length !== 2) problems.push("embeddings: the output must be FP32 of shape [rows, dimensions], e.g. [-1, -1]");
    if (input && input.shape.length !== 1) problems.push('embeddings: the input must be a vector of texts, shape [-1]');
  } else if (output.datatype !== 'BYTES' || (input && output.shape.length !== input.shape.length)) {
    problems.push(`${endpoint}: the output must be BYTES with the input's rank (one answer per text)`);
  }
  return problems;
}

function invalid(what: string, message: string): BackendError {
  return new BackendError(`${what}: ${message}`, { code: 'UPSTREAM_RESPONSE_INVALID', publicMessage: `the upstream answer is not a valid OpenAI-compatible answer: ${message}` });
}

function messagesOf(text: string): unknown[] {
  if (text.startsWith('[')) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (Array.isArray(parsed) && parsed.every((m) => typeof m === 'object' && m !== null && typeof (m as { role?: unknown }).role === 'string')) return parsed;
    } catch {
      // Not a conversation: the text is one user message.
    }
  }
  return [{ role: 'user', content: text }];
}

export class OpenAiEndpointBackend implements Backend {
  private running = 0;
  private readonly path: string;
  private readonly output: TensorSpec;
  private readonly model: string;

  constructor(
    private readonly http: UpstreamHttp,
    private readonly description: BackendDescription,
    contract: ModelContract,
    private readonly settings: UpstreamSettings,
    model: string,
    private readonly now: () => number,
  ) {
    this.path = PATHS[settings.endpoint ?? 'chat'];
    this.output = contract.outputs[0]!;
    this.model = settings.model ?? model;
  }

  describe(): BackendDescription {
    return this.description;
  }

  get inFlight(): number {
    return this.running;
  }

  private async one(text: string): Promise<string> {
    const chat = this.settings.endpoint === 'chat';
    const body = JSON.stringify({ ...this.settings.options, model: this.model, ...(chat ? { messages: messagesOf(text) } : { prompt: text }) });
    const what = `upstream ${this.http.origin}${this.path}`;
    const answer = parseAnswer(what, (await this.http.send('POST', this.path, body)).body) as { choices?: { message?: { content?: unknown }; text?: unknown }[] };
    const choice = answer.choices?.[0];
    const content = chat ? choice?.message?.content : choice?.text;
    if (typeof content !== 'string') throw invalid(what, chat ? 'no choices[0].message.content' : 'no choices[0].text');
    return content;
  }

  private async embed(texts: readonly string[]): Promise<{ data: Float32Array; dim: number }> {
    const what = `upstream ${this.http.origin}${this.path}`;
    const body = JSON.stringify({ ...this.settings.options, model: this.model, input: texts });
    const answer = parseAnswer(what, (await this.http.send('POST', this.path, body)).body) as { data?: { index?: unknown; embedding?: unknown }[] };
    if (!Array.isArray(answer.data) || answer.data.length !== texts.length) throw invalid(what, `expected ${texts.length} embeddings`);
    const rows = [...answer.data].sort((a, b) => Number(a.index ?? 0) - Number(b.index ?? 0));
    const first = rows[0]?.embedding;
    const dim = Array.isArray(first) ? first.length : 0;
    const fixed = this.output.shape[1] ?? -1;
    if (dim === 0 || (fixed !== -1 && fixed !== dim)) throw invalid(what, `embeddings have ${dim} dimensions, the contract says ${fixed}`);
    const data = new Float32Array(texts.length * dim);
    rows.forEach((row, r) => {
      const vector = row.embedding;
      if (!Array.isArray(vector) || vector.length !== dim || !vector.every((v) => typeof v === 'number')) throw invalid(what, `embedding ${r} is not ${dim} numbers`);
      data.set(vector, r * dim);
    });
    return { data, dim };
  }

  async run(inputs: TensorMap, outputNames: readonly string[]): Promise<BatchResult> {
    this.running++;
    const started = this.now();
    try {
      const input = Object.values(inputs)[0];
      if (!input || input.datatype !== 'BYTES') throw new BackendError('an openai upstream needs one BYTES input');
      const texts = input.data as string[];
      const outputs: TensorMap = Object.create(null) as TensorMap;
      if (this.settings.endpoint === 'embeddings') {
        const { data, dim } = await this.embed(texts);
        outputs[this.output.name] = { datatype: 'FP32', shape: [texts.length, dim], data };
      } else {
        const answers = await Promise.all(texts.map((t) => this.one(t)));
        outputs[this.output.name] = { datatype: 'BYTES', shape: [...input.shape], data: answers };
      }
      for (const name of Object.keys(outputs)) if (!outputNames.includes(name)) delete outputs[name];
      return { outputs, queueMs: 0, computeMs: this.now() - started, inline: false };
    } finally {
      this.running--;
    }
  }

  async unload(): Promise<void> {
    await this.http.close();
  }
}
