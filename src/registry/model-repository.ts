/**
 * The model repository on disk: one folder per model, one numbered folder per version, each
 * holding `model.yaml` and its artifact. Scanning never throws for one bad version: it
 * reports the version with the reason it was refused, so the others keep serving.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseModelConfig, ModelConfigError, type ModelVersionConfig } from './model-config.js';
import { ArtifactError, readArtifact, type LoadedArtifact } from './artifact.js';

export const MODEL_CONFIG_FILE = 'model.yaml';
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const VERSION_NAME = /^[1-9][0-9]{0,8}$/;
/** Why: the largest demo model is under 10 MB; 2 GiB is protobuf's own ceiling for ONNX files. */
const MAX_ARTIFACT_BYTES = 2 * 1024 * 1024 * 1024 - 1;

export type VersionCandidate =
  | { readonly ok: true; readonly model: string; readonly version: string; readonly dir: string; readonly config: ModelVersionConfig; readonly artifact: LoadedArtifact | undefined }
  | { readonly ok: false; readonly model: string; readonly version: string; readonly dir: string; readonly reason: string; readonly digest: string | undefined };

async function readVersion(model: string, version: string, dir: string): Promise<VersionCandidate> {
  const refuse = (reason: string, digest?: string): VersionCandidate => ({ ok: false, model, version, dir, reason, digest });
  let text: string;
  try {
    text = await readFile(join(dir, MODEL_CONFIG_FILE), 'utf8');
  } catch {
    return refuse(`${MODEL_CONFIG_FILE} is missing or unreadable`);
  }
  let config: ModelVersionConfig;
  try {
    config = parseModelConfig(text);
  } catch (error) {
    if (error instanceof ModelConfigError) return refuse(`invalid ${MODEL_CONFIG_FILE}: ${error.message}`);
    throw error;
  }
  // An upstream has no artifact: the model lives in the server it fronts.
  if (config.backend === 'upstream') return { ok: true, model, version, dir, config, artifact: undefined };
  let artifact: LoadedArtifact;
  try {
    artifact = await readArtifact(dir, config.artifact, MAX_ARTIFACT_BYTES);
  } catch (error) {
    if (error instanceof ArtifactError) return refuse(error.message);
    throw error;
  }
  if (config.digest !== undefined && config.digest !== artifact.digest) {
    return refuse(`artifact digest mismatch: ${MODEL_CONFIG_FILE} pins ${config.digest} but '${config.artifact}' is ${artifact.digest}`, artifact.digest);
  }
  return { ok: true, model, version, dir, config, artifact };
}

export class RepositoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RepositoryError';
  }
}

async function listDirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/** Every version folder of every model folder, read and verified. */
export async function scanRepository(root: string): Promise<VersionCandidate[]> {
  const models = (
    await listDirectories(root).catch((error: NodeJS.ErrnoException) => {
      throw new RepositoryError(`model repository ${root} cannot be read (${error.code ?? 'error'}); set model_repository (--model-repository) to a folder of models`);
    })
  ).filter((name) => MODEL_NAME.test(name));
  const perModel = await Promise.all(
    models.map(async (model) => {
      const versions = (await listDirectories(join(root, model))).filter((v) => VERSION_NAME.test(v));
      return Promise.all(versions.map((version) => readVersion(model, version, join(root, model, version))));
    }),
  );
  return perModel.flat();
}

/** One version folder by name, for an agent told to host it; names are checked so they cannot leave the repository. */
export async function readRepositoryVersion(root: string, model: string, version: string): Promise<VersionCandidate> {
  const dir = join(root, model, version);
  if (!MODEL_NAME.test(model) || !VERSION_NAME.test(version)) return { ok: false, model, version, dir, reason: `'${model}' version '${version}' is not a valid model or version name`, digest: undefined };
  return readVersion(model, version, dir);
}

/**
 * Every version folder of one model, read and verified (a load through the repository API);
 * undefined when the repository has no folder of that name. Names are checked first, so a
 * name cannot leave the repository.
 */
export async function scanRepositoryModel(root: string, model: string): Promise<VersionCandidate[] | undefined> {
  if (!MODEL_NAME.test(model)) return undefined;
  let versions: string[];
  try {
    versions = (await listDirectories(join(root, model))).filter((v) => VERSION_NAME.test(v));
  } catch {
    return undefined;
  }
  return Promise.all(versions.map((version) => readVersion(model, version, join(root, model, version))));
}
