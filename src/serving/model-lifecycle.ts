/**
 * Loading and unloading a model while the server runs (Triton's model repository extension).
 * Unload: every READY version stops taking requests at once, finishes what was admitted, leaves
 * the scheduler and frees its backend; it stays listed UNAVAILABLE with the reason. Load: the
 * model's folder is read again and each version not serving is loaded, checked and scheduled as
 * at start; a version already READY is left serving as it is.
 */
import { SwitchyardError } from '../core/errors.js';
import type { FallbackRunner } from './fallback/fallback-runner.js';
import type { LiveScheduler } from './live/live-scheduler.js';
import type { ModelCatalog, ServedVersion } from './model-catalog.js';

export const UNLOADED_REASON = 'unloaded through the repository API';

export interface ModelLifecycle {
  /** The model's versions after the load; MODEL_LOAD_FAILED when none is READY. */
  load(model: string): Promise<readonly ServedVersion[]>;
  /** The model's versions after the unload. */
  unload(model: string): Promise<readonly ServedVersion[]>;
}

export interface LifecycleDeps {
  readonly catalog: ModelCatalog;
  readonly scheduler: LiveScheduler;
  readonly runner: FallbackRunner;
  /** What start-up does for each READY version: schedule it, track its drift and SLOs. */
  readonly deploy: (served: ServedVersion) => void;
}

export function modelLifecycle(deps: LifecycleDeps): ModelLifecycle {
  const { catalog, scheduler, runner } = deps;
  // One change per model at a time: a load racing an unload of the same model would leave either half done.
  const pending = new Map<string, Promise<unknown>>();
  function serialised<T>(model: string, work: () => Promise<T>): Promise<T> {
    const before = pending.get(model) ?? Promise.resolve();
    const next = before.then(work, work);
    const settled = next.catch(() => undefined);
    pending.set(model, settled);
    void settled.then(() => {
      if (pending.get(model) === settled) pending.delete(model);
    });
    return next;
  }

  async function load(model: string): Promise<readonly ServedVersion[]> {
    const loaded = await catalog.loadModel(model);
    if (loaded === undefined) {
      if (!catalog.hasModel(model)) throw new SwitchyardError('MODEL_NOT_FOUND', `the model repository has no folder '${model}' to load; POST /v2/repository/index lists the models`);
      // A registry model (no folder): its production version is served from the registry, loaded at start.
      if (catalog.versions(model).some((v) => v.state === 'READY')) return catalog.versions(model);
      throw new SwitchyardError('MODEL_LOAD_FAILED', `model '${model}' has no folder in the model repository to load it from; a registry model is served when it is promoted to production`);
    }
    for (const served of loaded) {
      if (served.state !== 'READY') continue;
      deps.deploy(served);
      runner.prepareVersion(served);
    }
    const versions = catalog.versions(model);
    if (!versions.some((v) => v.state === 'READY')) {
      const reasons = versions.map((v) => `version ${v.version}: ${v.reason ?? v.state}`).join('; ');
      throw new SwitchyardError('MODEL_LOAD_FAILED', `no version of model '${model}' could be loaded: ${reasons || 'its folder has no version folders'}`);
    }
    return versions;
  }

  async function unload(model: string): Promise<readonly ServedVersion[]> {
    if (!catalog.hasModel(model)) throw new SwitchyardError('MODEL_NOT_FOUND', `no model named '${model}'; POST /v2/repository/index lists the models`);
    const serving = catalog.versions(model).filter((v) => v.state === 'READY');
    await Promise.all(
      serving.map((served) => {
        runner.forget(served);
        return catalog.unloadVersion(served, () => scheduler.removeVersion(served), UNLOADED_REASON);
      }),
    );
    return catalog.versions(model);
  }

  return {
    load: (model) => serialised(model, () => load(model)),
    unload: (model) => serialised(model, () => unload(model)),
  };
}
