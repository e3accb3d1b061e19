/**
 * Is a new version's contract a drop-in replacement for the one it replaces? Every caller
 * that worked against the old contract must still work: inputs may only widen, outputs may
 * only narrow or grow. Each difference is listed with its class; any breaking one makes the
 * push need `breaking: true`.
 */
import type { ContractTensor, VersionContract } from './version-contract.js';

export interface ContractChange {
  readonly kind: 'breaking' | 'compatible';
  /** Where, e.g. `inputs.x.shape[1]` or `parameters.temperature`. */
  readonly path: string;
  readonly message: string;
}

export interface CompatibilityReport {
  readonly breaking: boolean;
  readonly changes: readonly ContractChange[];
}

type Push = (kind: ContractChange['kind'], path: string, message: string) => void;

/** `accepts`: the new dims must accept every old value (inputs); otherwise promise no more than before (outputs). */
function compareShapes(path: string, before: readonly number[], after: readonly number[], side: 'input' | 'output', push: Push): void {
  if (before.length !== after.length) {
    push('breaking', `${path}.shape`, `rank changed from ${before.length} to ${after.length}`);
    return;
  }
  before.forEach((old, axis) => {
    const now = after[axis] ?? old;
    if (old === now) return;
    const where = `${path}.shape[${axis}]`;
    if (side === 'input') {
      if (now === -1) push('compatible', where, `widened from ${old} to variable`);
      else push('breaking', where, old === -1 ? `narrowed from variable to ${now}` : `changed from ${old} to ${now}`);
    } else if (old === -1) push('compatible', where, `now always ${now}`);
    else push('breaking', where, now === -1 ? `was always ${old}, now variable` : `changed from ${old} to ${now}`);
  });
}

function compareTensors(kind: 'inputs' | 'outputs', before: readonly ContractTensor[], after: readonly ContractTensor[], push: Push): void {
  const next = new Map(after.map((t) => [t.name, t]));
  const prev = new Map(before.map((t) => [t.name, t]));
  const side = kind === 'inputs' ? 'input' : 'output';
  for (const old of before) {
    const path = `${kind}.${old.name}`;
    const now = next.get(old.name);
    if (!now) {
      // A removed optional input breaks only callers that send it, which any may: still breaking.
      push('breaking', path, `${side} removed (or renamed)`);
      continue;
    }
    if (old.datatype !== now.datatype) push('breaking', `${path}.datatype`, `datatype changed from ${old.datatype} to ${now.datatype}`);
    compareShapes(path, old.shape, now.shape, side, push);
    if (kind === 'inputs' && old.optional && !now.optional) push('breaking', `${path}.optional`, 'an optional input became required');
    if (kind === 'inputs' && !old.optional && now.optional) push('compatible', `${path}.optional`, 'a required input became optional');
  }
  for (const now of after) {
    if (prev.has(now.name)) continue;
    const path = `${kind}.${now.name}`;
    if (kind === 'outputs') push('compatible', path, 'output added');
    else if (now.optional) push('compatible', path, 'optional input added');
    else push('breaking', path, 'required input added');
  }
}

type Schema = Record<string, unknown>;

function typesOf(schema: Schema): Set<string> | undefined {
  const type = schema.type;
  if (typeof type === 'string') return new Set([type === 'integer' ? 'integer' : type]);
  if (Array.isArray(type)) return new Set(type.filter((t): t is string => typeof t === 'string'));
  return undefined;
}

function asSchema(value: unknown): Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Schema) : {};
}

/** One property's schema: the new one must accept every value the old one accepted. */
function compareProperty(path: string, before: Schema, after: Schema, push: Push): void {
  const oldTypes = typesOf(before);
  const newTypes = typesOf(after);
  if (newTypes) {
    const accepted = (t: string): boolean => newTypes.has(t) || (t === 'integer' && newTypes.has('number'));
    const lost = oldTypes ? [...oldTypes].filter((t) => !accepted(t)) : ['any'];
    if (lost.length > 0) push('breaking', `${path}.type`, `no longer accepts ${lost.join(', ')}`);
  }
  if (Array.isArray(after.enum)) {
    const allowed = new Set(after.enum.map((v) => JSON.stringify(v)));
    const lost = Array.isArray(before.enum) ? before.enum.filter((v) => !allowed.has(JSON.stringify(v))) : ['values outside the new enum'];
    if (lost.length > 0) push('breaking', `${path}.enum`, `no longer accepts ${lost.map((v) => JSON.stringify(v)).join(', ')}`);
  } else if (Array.isArray(before.enum) && after.enum === undefined) push('compatible', `${path}.enum`, 'enum removed (accepts more)');
  const bounds: [keyof Schema, 'min' | 'max'][] = [['minimum', 'min'], ['exclusiveMinimum', 'min'], ['minLength', 'min'], ['minItems', 'min'], ['maximum', 'max'], ['exclusiveMaximum', 'max'], ['maxLength', 'max'], ['maxItems', 'max']];
  for (const [key, direction] of bounds) {
    const old = before[key];
    const now = after[key];
    if (now === undefined || old === now) continue;
    if (typeof now !== 'number') continue;
    const narrowed = old === undefined || typeof old !== 'number' || (direction === 'min' ? now > old : now < old);
    push(narrowed ? 'breaking' : 'compatible', `${path}.${String(key)}`, `${String(key)} ${old === undefined ? 'added' : 'changed'}: ${String(old)} → ${now}`);
  }
  for (const key of ['pattern', 'const', 'format', 'multipleOf'] as const) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key]) && after[key] !== undefined) {
      push('breaking', `${path}.${key}`, `${key} changed; cannot prove the new one accepts every old value`);
    }
  }
}

function compareParameters(before: Schema | undefined, after: Schema | undefined, push: Push): void {
  if (!after) {
    if (before) push('compatible', 'parameters', 'parameter schema removed (accepts any parameters)');
    return;
  }
  if (!before) {
    push('breaking', 'parameters', 'a parameter schema was added where any parameters were accepted');
    return;
  }
  const oldProps = asSchema(before.properties);
  const newProps = asSchema(after.properties);
  const oldRequired = new Set(Array.isArray(before.required) ? before.required : []);
  const newRequired = new Set(Array.isArray(after.required) ? after.required : []);
  for (const name of newRequired) if (!oldRequired.has(name)) push('breaking', `parameters.${String(name)}`, 'parameter became required');
  for (const name of oldRequired) if (!newRequired.has(name)) push('compatible', `parameters.${String(name)}`, 'parameter no longer required');
  const closed = after.additionalProperties === false;
  for (const [name, schema] of Object.entries(oldProps)) {
    const now = newProps[name];
    if (now === undefined) {
      if (closed) push('breaking', `parameters.${name}`, 'parameter removed and additional properties are refused');
      else push('compatible', `parameters.${name}`, 'parameter removed from the schema (still accepted)');
      continue;
    }
    compareProperty(`parameters.${name}`, asSchema(schema), asSchema(now), push);
  }
  for (const name of Object.keys(newProps)) {
    if (!(name in oldProps) && !newRequired.has(name)) {
      // A caller may already send this name freely when the old schema was open.
      push(before.additionalProperties === false ? 'compatible' : 'breaking', `parameters.${name}`, before.additionalProperties === false ? 'optional parameter added' : 'parameter newly constrained (the old schema accepted any value)');
    }
  }
  if (before.additionalProperties !== false && closed) push('breaking', 'parameters.additionalProperties', 'unknown parameters are now refused');
}

export function compareContracts(before: VersionContract, after: VersionContract): CompatibilityReport {
  const changes: ContractChange[] = [];
  const push: Push = (kind, path, message) => changes.push({ kind, path, message });
  compareTensors('inputs', before.inputs, after.inputs, push);
  compareTensors('outputs', before.outputs, after.outputs, push);
  if (after.maxBatchSize < before.maxBatchSize) push('breaking', 'max_batch_size', `lowered from ${before.maxBatchSize} to ${after.maxBatchSize}`);
  else if (after.maxBatchSize > before.maxBatchSize) push('compatible', 'max_batch_size', `raised from ${before.maxBatchSize} to ${after.maxBatchSize}`);
  compareParameters(before.parameters, after.parameters, push);
  return { breaking: changes.some((c) => c.kind === 'breaking'), changes };
}
