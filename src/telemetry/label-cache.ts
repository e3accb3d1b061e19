/**
 * Pre-bound metric children found through nested maps, one level per label: a lookup on the
 * request path allocates nothing (no joined key string, no label object, no rest array).
 * Every cache has a fixed depth of five levels; callers pass '' for the labels they lack.
 */
type Level = Map<string, unknown>;

export class LabelCache<T> {
  private readonly root: Level = new Map();

  constructor(private readonly make: (a: string, b: string, c: string, d: string, e: string) => T) {}

  get(a: string, b: string, c = '', d = '', e = ''): T {
    const l1 = this.level(this.root, a);
    const l2 = this.level(l1, b);
    const l3 = this.level(l2, c);
    const l4 = this.level(l3, d);
    let leaf = l4.get(e) as T | undefined;
    if (leaf === undefined) {
      leaf = this.make(a, b, c, d, e);
      l4.set(e, leaf);
    }
    return leaf;
  }

  private level(parent: Level, key: string): Level {
    let next = parent.get(key) as Level | undefined;
    if (!next) {
      next = new Map();
      parent.set(key, next);
    }
    return next;
  }
}
