/**
 * A deployment's fallback chain, compiled from its model.yaml `fallbacks` once every version
 * has loaded: deployment links resolved and checked for a fitting contract, caches created,
 * static answers kept ready. A link that cannot work is dropped with a logged reason.
 */
import { deploymentName } from '../../core/deployment-name.js';
import { DATATYPES, type TensorData } from '../../core/datatypes.js';
import { toHalfBits } from '../../core/float16.js';
import type { TensorMap } from '../../core/tensor.js';
import type { Backend } from '../../runtime/backend.js';
import { ResponseCache } from '../../scheduler/response-cache.js';
import type { CatalogLogger, ModelCatalog, ServedVersion } from '../model-catalog.js';
import { contractFits } from './contract-fit.js';

export type FallbackLink =
  | { readonly kind: 'deployment'; readonly name: string; readonly target: ServedVersion }
  | { readonly kind: 'rules'; readonly name: string; readonly backend: Backend }
  | { readonly kind: 'cache'; readonly name: string; readonly cache: ResponseCache }
  | { readonly kind: 'static'; readonly name: string; readonly outputs: Readonly<Record<string, readonly (number | string)[]>> };

export interface FallbackChain {
  readonly links: readonly FallbackLink[];
  /** The chain's cache, filled from the primary's answers. */
  readonly cache: ResponseCache | undefined;
  /** Whether a link needs the inputs after the primary has had them (deployment or rules). */
  readonly needsInputs: boolean;
  /** Links dropped at compile time, with why: shown to operators. */
  readonly dropped: readonly string[];
}

export function compileChain(served: ServedVersion, catalog: ModelCatalog, log: CatalogLogger): FallbackChain {
  const links: FallbackLink[] = [];
  const dropped: string[] = [];
  const drop = (what: string, why: string): void => {
    dropped.push(`${what}: ${why}`);
    log.warn({ model: served.model, version: served.version, fallback: what, reason: why }, 'fallback link dropped');
  };
  let cache: ResponseCache | undefined;
  for (const spec of served.config?.fallbacks ?? []) {
    switch (spec.kind) {
      case 'deployment': {
        const target = spec.version === undefined ? catalog.defaultVersion(spec.model) : catalog.get(spec.model, spec.version);
        const what = `deployment:${spec.model}${spec.version === undefined ? '' : `:${spec.version}`}`;
        if (!target || target.state !== 'READY' || !target.config) drop(what, 'no READY version by that name');
        else if (target === served) drop(what, 'a deployment cannot fall back to itself');
        else {
          const problems = contractFits(served.config!.contract, target.config.contract);
          if (problems.length > 0) drop(what, `contract does not fit: ${problems.join('; ')}`);
          else links.push({ kind: 'deployment', name: deploymentName(target), target });
        }
        break;
      }
      case 'rules': {
        const backend = served.fallbackRules.get(spec.file);
        if (!backend) drop(`rules:${spec.file}`, 'the rules file did not load (see the load warning)');
        else links.push({ kind: 'rules', name: spec.file, backend });
        break;
      }
      case 'cache':
        if (cache) drop('cache', 'a chain has one cache');
        else links.push({ kind: 'cache', name: 'response', cache: (cache = new ResponseCache(spec)) });
        break;
      case 'static':
        links.push({ kind: 'static', name: 'answer', outputs: spec.outputs });
        break;
    }
  }
  return { links, cache, needsInputs: links.some((l) => l.kind === 'deployment' || l.kind === 'rules'), dropped };
}

/** A static answer for `rows` rows: the configured row repeated along each output's batch axis. */
export function staticOutputs(link: Extract<FallbackLink, { kind: 'static' }>, served: ServedVersion, outputNames: readonly string[], rows: number): TensorMap {
  const out: TensorMap = {};
  for (const name of outputNames) {
    const spec = served.config?.contract.outputs.find((o) => o.name === name);
    const row = link.outputs[name];
    if (!spec || !row) continue;
    const shape = spec.shape.map((d, axis) => (axis === spec.batchAxis ? rows : Math.max(1, d)));
    const copies = spec.batchAxis === undefined ? 1 : rows;
    if (spec.datatype === 'BYTES') {
      out[name] = { datatype: 'BYTES', shape, data: Array.from({ length: copies }, () => row as string[]).flat() };
    } else {
      const info = DATATYPES[spec.datatype];
      const data = info.allocate(copies * row.length) as Exclude<TensorData, string[]>;
      const values = info.kind === 'bigint' ? row.map((v) => BigInt(v)) : info.kind === 'half' ? row.map((v) => toHalfBits(v as number)) : row;
      for (let r = 0; r < copies; r++) (data as Float64Array).set(values as number[], r * row.length);
      out[name] = { datatype: spec.datatype, shape, data };
    }
  }
  return out;
}

/** A copy of the inputs whose buffers no backend has had (a worker may have taken the originals). */
export function cloneInputs(inputs: TensorMap): TensorMap {
  const out: TensorMap = {};
  for (const [name, t] of Object.entries(inputs)) out[name] = { datatype: t.datatype, shape: t.shape, data: t.data.slice() };
  return out;
}
