/**
 * One declaration per configuration key. A key is built once (`integer({ min, max, default,
 * env, doc })`, `enumOf`, `url`, `path`…) and everything else is derived from it: its JSON
 * schema, its default, its SWITCHYARD_* variable, how an environment string converts, its
 * compiled (camelCase, typed) value and its row in docs/configuration.md. TypeScript infers
 * the compiled type from the declarations, so no compile step casts a value.
 */
import { isAbsolute, resolve } from 'node:path';

/** What a key's compile step may need: the working folder and a place to report problems. */
export interface CompileContext {
  readonly cwd: string;
  readonly problems: string[];
  /** Where a dotted key's value came from (`default` when nobody set it). */
  sourceOf(key: string): string;
}

/** An older name accepted for a key in another unit (`open_seconds` for `open_ms`). */
export interface KeyAlias {
  readonly name: string;
  readonly schema: Readonly<Record<string, unknown>>;
  /** Alias value × factor = the key's value. */
  readonly factor: number;
}

export interface KeyDecl<T> {
  readonly kind: 'key';
  readonly schema: Readonly<Record<string, unknown>>;
  /** The default as a config file would write it; undefined = unset. */
  readonly default: string | number | boolean | undefined;
  /** `true` = SWITCHYARD_ and the dotted key in capitals; a string = that name. */
  readonly env: true | string | undefined;
  /** One line: what the key does. */
  readonly doc: string;
  /** The default as docs/configuration.md writes it in backticks; undefined = none. */
  readonly docDefault: string | undefined;
  /** How an environment variable's or flag's string is converted before validation. */
  readonly scalar: 'number' | 'boolean' | undefined;
  /** A path relative to the config file when written there. */
  readonly isPath: boolean;
  readonly alias: KeyAlias | undefined;
  compile(value: unknown, ctx: CompileContext, key: string): T;
}

export type KeyMap = Readonly<Record<string, KeyDecl<unknown>>>;

/** Keys a config file nests one level deep (`onnx: {instances: 2}` is `onnx.instances`). */
export interface SectionDecl<K extends KeyMap> {
  readonly kind: 'section';
  readonly keys: K;
}

export type Declarations = Readonly<Record<string, KeyDecl<unknown> | SectionDecl<KeyMap>>>;

type Camel<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;
type ValueOf<D> = D extends KeyDecl<infer T> ? T : never;
type CompiledKeys<K> = { readonly [P in keyof K & string as Camel<P>]: ValueOf<K[P]> };

/** The typed, camelCase configuration a set of declarations compiles to. */
export type Compiled<D> = {
  readonly [P in keyof D & string as Camel<P>]: D[P] extends SectionDecl<infer K> ? CompiledKeys<K> : ValueOf<D[P]>;
};

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
/** A key built with a default: its value is never undefined, and it is not a `custom` one. */
type Defaulted<K> = K extends { readonly default: undefined } ? never : undefined extends ValueOf<K> ? never : K;
/** Dotted key -> default, typed like the compiled value (`'onnx.instances': number`), for the keys that have one. */
export type FlatDefaults<D> = UnionToIntersection<
  {
    [P in keyof D & string]: D[P] extends SectionDecl<infer K>
      ? { readonly [Q in keyof K & string as K[Q] extends Defaulted<K[Q]> ? `${P}.${Q}` : never]: ValueOf<K[Q]> }
      : { readonly [Q in P as D[P] extends Defaulted<D[P]> ? Q : never]: ValueOf<D[P]> };
  }[keyof D & string]
>;

type Guard<T> = (value: unknown) => value is T;
const isNumber: Guard<number> = (v): v is number => typeof v === 'number';
const isString: Guard<string> = (v): v is string => typeof v === 'string';
const isBoolean: Guard<boolean> = (v): v is boolean => typeof v === 'boolean';
export const isRecord: Guard<Record<string, unknown>> = (v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const orUndefined = <T>(guard: Guard<T>): Guard<T | undefined> => (v): v is T | undefined => v === undefined || guard(v);

/** Validation already checked the value: a mismatch here is a bug in a declaration, not bad input. */
function checked<T>(guard: Guard<T>): (value: unknown, ctx: CompileContext, key: string) => T {
  return (value, _ctx, key) => {
    if (guard(value)) return value;
    throw new Error(`config key ${key}: ${JSON.stringify(value)} passed validation but does not have its declared type`);
  };
}

interface Common<D> {
  readonly doc: string;
  readonly env?: true | string;
  readonly default?: D;
}

interface KeyFields<T> extends Pick<KeyDecl<T>, 'schema' | 'doc' | 'compile'> {
  readonly default?: string | number | boolean;
  readonly env?: true | string;
  readonly docDefault?: string;
  readonly scalar?: 'number' | 'boolean';
  readonly isPath?: boolean;
  readonly alias?: KeyAlias;
}

function key<T>(f: KeyFields<T>): KeyDecl<T> {
  return Object.freeze({
    kind: 'key',
    schema: f.schema,
    default: f.default,
    env: f.env,
    doc: f.doc,
    docDefault: f.docDefault ?? (f.default === undefined ? undefined : String(f.default)),
    scalar: f.scalar,
    isPath: f.isPath ?? false,
    alias: f.alias,
    compile: f.compile,
  });
}

interface RangeOptions<D> extends Common<D> {
  readonly min: number;
  readonly max: number;
  /** `0` is also allowed and means off (outside the range). */
  readonly zeroMeansOff?: boolean;
  /** An older name in another unit, e.g. `{ name: 'open_seconds', factor: 1000, min: 0.01, max: 3600 }`. */
  readonly alias?: { readonly name: string; readonly factor: number; readonly min: number; readonly max: number };
}

function rangeKey(type: 'integer' | 'number', o: RangeOptions<number>): KeyDecl<number | undefined> {
  const range = { type, minimum: o.min, maximum: o.max };
  const alias = o.alias && { name: o.alias.name, factor: o.alias.factor, schema: { type: 'number', minimum: o.alias.min, maximum: o.alias.max } };
  return key({ doc: o.doc, env: o.env, default: o.default, schema: o.zeroMeansOff ? { anyOf: [{ const: 0 }, range] } : range, scalar: 'number', alias, compile: checked(orUndefined(isNumber)) });
}

export function integer(o: RangeOptions<number> & { readonly default: number }): KeyDecl<number>;
export function integer(o: RangeOptions<number>): KeyDecl<number | undefined>;
export function integer(o: RangeOptions<number>): KeyDecl<number | undefined> {
  return rangeKey('integer', o);
}

export function number(o: RangeOptions<number> & { readonly default: number }): KeyDecl<number>;
export function number(o: RangeOptions<number>): KeyDecl<number | undefined>;
export function number(o: RangeOptions<number>): KeyDecl<number | undefined> {
  return rangeKey('number', o);
}

/** Milliseconds, the one unit of every duration key (`*_ms`). */
export function duration(o: RangeOptions<number> & { readonly default: number }): KeyDecl<number> {
  return integer(o);
}

interface StringOptions extends Common<string> {
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
}

export function string(o: StringOptions & { readonly default: string }): KeyDecl<string>;
export function string(o: StringOptions): KeyDecl<string | undefined>;
export function string(o: StringOptions): KeyDecl<string | undefined> {
  const schema = { type: 'string', ...(o.minLength === undefined ? {} : { minLength: o.minLength }), ...(o.maxLength === undefined ? {} : { maxLength: o.maxLength }), ...(o.pattern === undefined ? {} : { pattern: o.pattern }) };
  return key({ doc: o.doc, env: o.env, default: o.default, schema, compile: checked(orUndefined(isString)) });
}

export function url(o: Common<string> & { readonly default: string }): KeyDecl<string>;
export function url(o: Common<string>): KeyDecl<string | undefined>;
export function url(o: Common<string>): KeyDecl<string | undefined> {
  return string({ ...o, pattern: '^https?://', maxLength: 2048 });
}

/** A folder or file; compiled to an absolute path (relative ones against the working folder or the config file's). */
export function path(o: Common<string> & { readonly default: string }): KeyDecl<string> {
  const asString = checked(isString);
  return key({ doc: o.doc, env: o.env, default: o.default, schema: { type: 'string', minLength: 1 }, isPath: true, compile: (value, ctx, k) => {
    const p = asString(value, ctx, k);
    return isAbsolute(p) ? p : resolve(ctx.cwd, p);
  } });
}

export function boolean(o: Common<boolean> & { readonly default: boolean }): KeyDecl<boolean> {
  return key({ doc: o.doc, env: o.env, default: o.default, schema: { type: 'boolean' }, scalar: 'boolean', compile: checked(isBoolean) });
}

export function enumOf<const V extends readonly string[]>(values: V, o: Common<V[number]> & { readonly default: V[number] }): KeyDecl<V[number]> {
  const isValue = (v: unknown): v is V[number] => values.some((allowed) => allowed === v);
  return key({ doc: o.doc, env: o.env, default: o.default, schema: { enum: values }, compile: checked(isValue) });
}

/** A key whose value is structured (a map, a list): its schema and compile step are written out; no raw default (compile fills it in). */
export function custom<T>(o: { readonly doc: string; readonly docDefault?: string; readonly schema: Readonly<Record<string, unknown>>; compile(value: unknown, ctx: CompileContext, key: string): T }): KeyDecl<T> & { readonly default: undefined } {
  return Object.freeze({ ...key(o), default: undefined });
}

export function section<const K extends KeyMap>(keys: K): SectionDecl<K> {
  return Object.freeze({ kind: 'section', keys });
}

/** Every key with its dotted name, in declaration order. */
export function* declaredKeys(root: Declarations): Iterable<[string, KeyDecl<unknown>]> {
  for (const [name, decl] of Object.entries(root)) {
    if (decl.kind === 'key') yield [name, decl];
    else for (const [inner, innerDecl] of Object.entries(decl.keys)) yield [`${name}.${inner}`, innerDecl];
  }
}

export function sectionNames(root: Declarations): string[] {
  return Object.entries(root).filter(([, decl]) => decl.kind === 'section').map(([name]) => name);
}

export function environmentName(dotted: string, decl: KeyDecl<unknown>): string | undefined {
  if (decl.env === true) return `SWITCHYARD_${dotted.toUpperCase().replaceAll('.', '_')}`;
  return decl.env;
}

function propertiesOf(keys: KeyMap): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, decl] of Object.entries(keys)) {
    properties[name] = decl.schema;
    if (decl.alias) properties[decl.alias.name] = decl.alias.schema;
  }
  return properties;
}

/** The JSON schema of a config file (snake_case keys, sections nested one level). */
export function schemaOf(root: Declarations): { readonly type: 'object'; readonly additionalProperties: false; readonly properties: Record<string, unknown> } {
  const top: KeyMap = Object.fromEntries(Object.entries(root).filter((e): e is [string, KeyDecl<unknown>] => e[1].kind === 'key'));
  const properties = propertiesOf(top);
  for (const [name, decl] of Object.entries(root)) {
    if (decl.kind === 'section') properties[name] = { type: 'object', additionalProperties: false, properties: propertiesOf(decl.keys) };
  }
  return { type: 'object', additionalProperties: false, properties: orderLike(root, properties) };
}

/** Keeps the declaration order (error messages list the allowed keys in it). */
function orderLike(root: Declarations, properties: Record<string, unknown>): Record<string, unknown> {
  const ordered: Record<string, unknown> = {};
  for (const name of Object.keys(root)) {
    ordered[name] = properties[name];
    const decl = root[name];
    if (decl?.kind === 'key' && decl.alias) ordered[decl.alias.name] = properties[decl.alias.name];
  }
  return ordered;
}

function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** An alias set by someone (and the key left at its default) gives the key its value, converted. */
function valueWithAlias(group: Record<string, unknown>, name: string, decl: KeyDecl<unknown>, dotted: string, ctx: CompileContext): unknown {
  const alias = decl.alias;
  const aliased = alias === undefined ? undefined : group[alias.name];
  if (alias === undefined || typeof aliased !== 'number') return group[name] ?? decl.default;
  const aliasKey = dotted.slice(0, dotted.length - name.length) + alias.name;
  if (ctx.sourceOf(dotted) !== 'default') {
    ctx.problems.push(`${aliasKey} (from ${ctx.sourceOf(aliasKey)}): ${dotted} (from ${ctx.sourceOf(dotted)}) is also set; give one of them`);
  }
  return aliased * alias.factor;
}

function compileKeys(keys: KeyMap, group: Record<string, unknown>, prefix: string, ctx: CompileContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, decl] of Object.entries(keys)) {
    const dotted = prefix + name;
    out[camel(name)] = decl.compile(valueWithAlias(group, name, decl, dotted, ctx), ctx, dotted);
  }
  return Object.freeze(out);
}

/** The JSON schema of one section's object, for a section nested deeper (`registry.ingest`). */
export function sectionSchema(decl: SectionDecl<KeyMap>): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, properties: propertiesOf(decl.keys) };
}

/** Compiles one validated section (defaults filled in from the declarations). */
export function compileSection<K extends KeyMap>(decl: SectionDecl<K>, group: unknown, prefix: string, ctx: CompileContext): CompiledKeys<K> {
  // As in compileDeclarations: the camelCase keys are built from the declarations CompiledKeys<K> reads.
  return compileKeys(decl.keys, isRecord(group) ? group : {}, prefix, ctx) as CompiledKeys<K>;
}

/** Compiles a validated config file (nested, snake_case) into frozen, camelCase values. */
export function compileDeclarations<D extends Declarations>(root: D, file: Record<string, unknown>, ctx: CompileContext): Compiled<D> {
  const top: Record<string, KeyDecl<unknown>> = {};
  const sections: Record<string, unknown> = {};
  for (const [name, decl] of Object.entries(root)) {
    if (decl.kind === 'key') top[name] = decl;
    else {
      const group = file[name];
      sections[camel(name)] = compileKeys(decl.keys, isRecord(group) ? group : {}, `${name}.`, ctx);
    }
  }
  const compiled = Object.freeze({ ...compileKeys(top, file, '', ctx), ...sections });
  // The one assertion: TypeScript cannot follow keys renamed at run time; Compiled<D> is derived
  // from the same declarations that compileKeys walks, and every value passed its key's guard.
  return compiled as Compiled<D>;
}

/** Dotted key -> default, for the keys that have one. */
export function defaultsOf<D extends Declarations>(root: D): FlatDefaults<D> {
  const defaults: Record<string, unknown> = {};
  for (const [dotted, decl] of declaredKeys(root)) if (decl.default !== undefined) defaults[dotted] = decl.default;
  // As in compileDeclarations: the keys are built from the declarations FlatDefaults<D> reads.
  return Object.freeze(defaults) as FlatDefaults<D>;
}

/** Environment variables and flags arrive as strings; numbers and booleans among them are converted. */
export function coerce(decl: KeyDecl<unknown> | undefined, value: unknown): unknown {
  if (typeof value !== 'string' || decl === undefined) return value;
  const text = value.trim();
  if (decl.scalar === 'number' && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (decl.scalar === 'boolean' && /^(true|false)$/.test(text)) return text === 'true';
  return value;
}
