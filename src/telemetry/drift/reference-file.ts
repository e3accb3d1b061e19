/**
 * The reference file a model version registers for drift (`drift_reference` in model.yaml):
 * `{ "inputs": { "<feature>": [numbers] }, "outputs": { "<feature>": [numbers] } }`, feature
 * names as docs/drift.md derives them from the contract.
 */
export interface ReferenceSamples {
  readonly inputs: ReadonlyMap<string, readonly number[]>;
  readonly outputs: ReadonlyMap<string, readonly number[]>;
}

export class ReferenceFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReferenceFileError';
  }
}

function samples(section: unknown, where: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (section === undefined) return out;
  if (typeof section !== 'object' || section === null || Array.isArray(section)) throw new ReferenceFileError(`${where} must be an object of feature -> numbers`);
  for (const [name, values] of Object.entries(section)) {
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) throw new ReferenceFileError(`${where}.${name} must be an array of finite numbers`);
    out.set(name, values as number[]);
  }
  return out;
}

export function parseReferenceFile(bytes: Uint8Array): ReferenceSamples {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new ReferenceFileError('the drift reference file is not valid JSON');
  }
  if (typeof doc !== 'object' || doc === null) throw new ReferenceFileError('the drift reference file must be a JSON object');
  const { inputs, outputs } = doc as { inputs?: unknown; outputs?: unknown };
  return { inputs: samples(inputs, 'inputs'), outputs: samples(outputs, 'outputs') };
}
