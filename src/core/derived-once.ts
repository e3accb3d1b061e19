/**
 * A value derived from an object once and kept for as long as the object lives: the request
 * path asks for it per call (a contract's index, a tensor spec's JSON prefix) and pays one
 * WeakMap lookup instead of building it again.
 */
export function derivedOnce<K extends object, V>(build: (key: K) => V): (key: K) => V {
  const cache = new WeakMap<K, V>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = build(key);
      cache.set(key, value);
    }
    return value;
  };
}
