/**
 * A version's deployment name, `model:version`: the key the scheduler, the SLO book, the
 * fallback chains and the cluster use for one served version. The one place it is spelled.
 */
import { derivedOnce } from './derived-once.js';

export function deploymentNameOf(model: string, version: string): string {
  return `${model}:${version}`;
}

/**
 * Remembered per version object (whose model and version never change): asked three or four
 * times per request, and the one string's hash, once computed, serves every map lookup by it.
 */
export const deploymentName: (served: { readonly model: string; readonly version: string }) => string = derivedOnce((served) =>
  deploymentNameOf(served.model, served.version),
);
