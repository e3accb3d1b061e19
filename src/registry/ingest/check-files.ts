/**
 * The checks on a whole file set before it is stored: safe and unique paths, at least one
 * ONNX model, and every ONNX external-data location a safe path to a file of the same set.
 */
import { SwitchyardError } from '../../core/errors.js';
import type { ArtifactFile } from '../artifacts/artifact-store.js';
import { printable, resolveSibling, unsafePathReason } from '../artifacts/safe-path.js';
import { externalDataLocations, OnnxParseError } from './onnx-external-data.js';

const refuse = (message: string): SwitchyardError => new SwitchyardError('ARTIFACT_REFUSED', message);

export function checkArtifactFiles(files: readonly ArtifactFile[]): void {
  if (files.length === 0) throw refuse('the artifact holds no files');
  const seen = new Map<string, string>();
  for (const file of files) {
    const reason = unsafePathReason(file.path);
    if (reason) throw refuse(`entry '${printable(file.path)}' refused: ${reason}`);
    // Case-folded: on a case-insensitive file system two such entries would overwrite each other.
    const folded = file.path.toLowerCase();
    const other = seen.get(folded);
    if (other !== undefined) throw refuse(`entries '${printable(other)}' and '${printable(file.path)}' name the same file`);
    seen.set(folded, file.path);
  }
  const models = files.filter((f) => f.path.endsWith('.onnx'));
  if (models.length === 0) throw refuse('the artifact holds no .onnx model file');
  for (const model of models) checkExternalData(model, seen);
}

function checkExternalData(model: ArtifactFile, paths: ReadonlyMap<string, string>): void {
  let locations: string[];
  try {
    locations = externalDataLocations(model.bytes);
  } catch (error) {
    if (error instanceof OnnxParseError) throw refuse(`'${printable(model.path)}' is not a valid ONNX model: ${error.message}`);
    throw error;
  }
  for (const location of locations) {
    const reason = unsafePathReason(location);
    if (reason) throw refuse(`'${printable(model.path)}' names external data '${printable(location)}' outside the artifact: ${reason}`);
    const target = resolveSibling(model.path, location);
    if (target === undefined || !paths.has(target.toLowerCase()) || paths.get(target.toLowerCase()) !== target) {
      throw refuse(`'${printable(model.path)}' names external data '${printable(location)}' that is not a file of the artifact`);
    }
  }
}
