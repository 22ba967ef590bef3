/**
 * @peculiar/x509 loads tsyringe, which refuses to start without the Reflect metadata API
 * (`reflect-metadata` is not a dependency here). It only stores and reads decorator
 * metadata, so a small WeakMap-backed implementation is enough. Import before @peculiar/x509.
 */
type Store = Map<unknown, unknown>;
const metadata = new WeakMap<object, Map<PropertyKey | undefined, Store>>();

function storeOf(target: object, key: PropertyKey | undefined, create: boolean): Store | undefined {
  let byKey = metadata.get(target);
  if (!byKey && create) metadata.set(target, (byKey = new Map()));
  let store = byKey?.get(key);
  if (!store && create && byKey) byKey.set(key, (store = new Map()));
  return store;
}

const reflect = Reflect as unknown as Record<string, unknown>;
if (typeof reflect.getMetadata !== "function") {
  reflect.defineMetadata = (k: unknown, v: unknown, target: object, key?: PropertyKey) =>
    void storeOf(target, key, true)?.set(k, v);
  reflect.getOwnMetadata = (k: unknown, target: object, key?: PropertyKey) => storeOf(target, key, false)?.get(k);
  reflect.getMetadata = (k: unknown, target: object, key?: PropertyKey): unknown => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      const v = storeOf(t, key, false)?.get(k);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  reflect.hasMetadata = (k: unknown, target: object, key?: PropertyKey) =>
    (reflect.getMetadata as (...a: unknown[]) => unknown)(k, target, key) !== undefined;
  reflect.metadata = (k: unknown, v: unknown) => (target: object, key?: PropertyKey) =>
    void storeOf(target, key, true)?.set(k, v);
}

export {};
