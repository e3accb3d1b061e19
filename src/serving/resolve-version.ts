import { SwitchyardError } from '../core/errors.js';
import { checkModelName } from '../registry/service/names.js';
import type { ModelCatalog, ServedVersion } from './model-catalog.js';

/** The version a path names, or the model's default when it names none. */
export function resolveVersion(catalog: ModelCatalog, model: string, version: string | undefined): ServedVersion {
  if (!catalog.hasModel(model)) {
    // Checked only here, off the served path: a malformed name is a 400, not an unknown model.
    checkModelName(model);
    throw new SwitchyardError('MODEL_NOT_FOUND', `no model named '${model}'; POST /v2/repository/index lists the models`);
  }
  const served = version === undefined ? catalog.defaultVersion(model) : catalog.get(model, version);
  if (!served) {
    const known = catalog.versions(model).map((v) => v.version).join(', ');
    throw new SwitchyardError('MODEL_VERSION_NOT_FOUND', `model '${model}' has no version '${version ?? ''}'; versions: ${known}`);
  }
  return served;
}

/** Why: a refused version needs an operator; a loading one is ready in seconds. */
export function notReady(served: ServedVersion): SwitchyardError {
  const why = served.state === 'UNAVAILABLE' ? `it was refused at load: ${served.reason ?? 'unknown reason'}` : `it is ${served.state.toLowerCase()}`;
  return new SwitchyardError('MODEL_NOT_READY', `model '${served.model}' version ${served.version} is not ready: ${why}`, {
    retryAfterSeconds: served.state === 'UNAVAILABLE' ? 60 : 5,
  });
}
