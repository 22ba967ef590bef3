/**
 * What the CrossGuard engine hands a policy, turned into the rules' neutral shape. The
 * policy SDK deserialises assets into @pulumi/pulumi asset objects whose text is a
 * Promise; the rules read `{ $asset: text }` as the offline graph records it. Kept apart
 * from index.ts so tests can use it without starting the pack's gRPC server.
 */

/** A deserialised asset as the policy SDK builds it (StringAsset / FileAsset / RemoteAsset). */
interface AssetLike {
  readonly text?: Promise<string> | string;
  readonly path?: Promise<string> | string;
  readonly uri?: Promise<string> | string;
}

function isAsset(value: object): value is AssetLike {
  // Duck-typed: the SDK marks assets with `__pulumiAsset`, and a StringAsset's text is a Promise.
  const record = value as Record<string, unknown>;
  return (
    record.__pulumiAsset === true ||
    record.text instanceof Promise ||
    record.path instanceof Promise ||
    record.uri instanceof Promise
  );
}

/** Props with assets replaced by `{ $asset: text }` (path/uri when not inline text). */
export async function neutralProps(value: unknown): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map(neutralProps));
  if (value !== null && typeof value === "object") {
    if (isAsset(value)) return { $asset: (await value.text) ?? (await value.path) ?? (await value.uri) ?? "" };
    const entries = await Promise.all(
      Object.entries(value as Record<string, unknown>).map(async ([k, v]) => [k, await neutralProps(v)] as const),
    );
    return Object.fromEntries(entries);
  }
  return value;
}
