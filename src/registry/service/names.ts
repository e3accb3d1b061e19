/** Model and version names the registry accepts: the model repository's rules, so both agree. */
import { SwitchyardError } from '../../core/errors.js';

export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
export const VERSION_NAME = /^[1-9][0-9]{0,8}$/;

export function checkModelName(name: string): void {
  if (!MODEL_NAME.test(name)) throw new SwitchyardError('MODEL_NAME_INVALID', 'a model name is 1-128 characters of [A-Za-z0-9_.-], starting with a letter or digit');
}

export function checkVersionName(version: string): void {
  if (!VERSION_NAME.test(version)) throw new SwitchyardError('INVALID_REQUEST', 'a version is a positive integer of at most 9 digits');
}
