/**
 * The small part of the Reflect metadata API that tsyringe (a dependency of @peculiar/x509)
 * checks for at load time; the `reflect-metadata` package is not installed. Import this
 * module before @peculiar/x509.
 */
type MetadataMap = Map<unknown, unknown>;
const store = new WeakMap<object, Map<string | symbol | undefined, MetadataMap>>();

function table(target: object, property: string | symbol | undefined, create: boolean): MetadataMap | undefined {
  let byProperty = store.get(target);
  if (!byProperty) {
    if (!create) return undefined;
    byProperty = new Map();
    store.set(target, byProperty);
  }
  let map = byProperty.get(property);
  if (!map && create) {
    map = new Map();
    byProperty.set(property, map);
  }
  return map;
}

const api = {
  defineMetadata(key: unknown, value: unknown, target: object, property?: string | symbol): void {
    table(target, property, true)?.set(key, value);
  },
  getOwnMetadata(key: unknown, target: object, property?: string | symbol): unknown {
    return table(target, property, false)?.get(key);
  },
  hasOwnMetadata(key: unknown, target: object, property?: string | symbol): boolean {
    return table(target, property, false)?.has(key) ?? false;
  },
  getMetadata(key: unknown, target: object, property?: string | symbol): unknown {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      const map = table(t, property, false);
      if (map?.has(key)) return map.get(key);
    }
    return undefined;
  },
  metadata(key: unknown, value: unknown) {
    return (target: object, property?: string | symbol) => api.defineMetadata(key, value, target, property);
  },
};

const reflect = Reflect as unknown as Record<string, unknown>;
for (const [name, fn] of Object.entries(api)) if (typeof reflect[name] !== "function") reflect[name] = fn;
