/**
 * A copy of `value` with `map` applied to every string inside it: array items, the values of
 * plain objects, and the own properties of errors (`message`, `stack`, `cause`, …, also the
 * non-enumerable ones). Keys are kept. Anything else (numbers, Buffers, Dates, Maps, class
 * instances, functions) is shared with the original, not copied. Cycles are kept as cycles.
 */
export function mapStrings<T>(value: T, map: (text: string) => string): T {
  return copy(value, map, new WeakMap()) as T;
}

function copy(value: unknown, map: (text: string) => string, seen: WeakMap<object, unknown>): unknown {
  if (typeof value === "string") return map(value);
  if (typeof value !== "object" || value === null) return value;
  const done = seen.get(value);
  if (done !== undefined) return done;

  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value) out.push(copy(item, map, seen));
    return out;
  }
  if (value instanceof Error) {
    const out = Object.create(Object.getPrototypeOf(value) as object | null) as Record<PropertyKey, unknown>;
    seen.set(value, out);
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (!descriptor) continue;
      if ("value" in descriptor) descriptor.value = copy(descriptor.value, map, seen);
      Object.defineProperty(out, key, descriptor);
    }
    return out;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = Object.getPrototypeOf(value) === null ? Object.create(null) : {};
    seen.set(value, out);
    for (const [key, item] of Object.entries(value)) out[key] = copy(item, map, seen);
    return out;
  }
  return value;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
