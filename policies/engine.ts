/**
 * What the CrossGuard engine hands a policy, turned into the rules' neutral shape. Kept
 * apart from index.ts so tests can use it without starting the pack's gRPC server.
 *
 * - The SDK wraps props in a proxy that throws on any unknown (preview-time) value; a
 *   rule walks every input, so the raw object under the proxy is read instead and
 *   unknowns become "[unknown]", as in the offline graph.
 * - Assets arrive as @pulumi/pulumi asset objects whose text is a Promise; the rules read
 *   `{ $asset: text }`.
 */
import { UNKNOWN } from "./rules/text";

// The policy SDK's sentinels for unknown values (@pulumi/policy proxy.js) and its proxy accessor.
const UNKNOWN_SENTINELS = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);
const PROXY_TARGET = "__getSpecialProxyTarget";

/** A deserialised asset as the policy SDK builds it (StringAsset / FileAsset / RemoteAsset). */
interface AssetLike {
  readonly text?: Promise<string> | string;
  readonly path?: Promise<string> | string;
  readonly uri?: Promise<string> | string;
}

function isAsset(value: object): value is AssetLike {
  // The SDK marks assets with `__pulumiAsset`; a StringAsset's text is a Promise.
  const record = value as Record<string, unknown>;
  return (
    record.__pulumiAsset === true ||
    record.text instanceof Promise ||
    record.path instanceof Promise ||
    record.uri instanceof Promise
  );
}

/** The object under the SDK's unknown-checking proxy (or the value itself). */
function raw(value: object): object {
  const target = (value as Record<string, unknown>)[PROXY_TARGET];
  return target !== null && typeof target === "object" ? target : value;
}

/** Props with assets replaced by `{ $asset: text }` and unknowns by "[unknown]". */
export async function neutralProps(value: unknown): Promise<unknown> {
  if (typeof value === "string") return UNKNOWN_SENTINELS.has(value) ? UNKNOWN : value;
  if (value === null || typeof value !== "object") return value;
  const plain = raw(value);
  if (Array.isArray(plain)) return Promise.all(plain.map(neutralProps));
  if (isAsset(plain)) {
    const text = (await plain.text) ?? (await plain.path) ?? (await plain.uri) ?? "";
    return { $asset: await neutralProps(text) };
  }
  const entries = await Promise.all(Object.entries(plain).map(async ([k, v]) => [k, await neutralProps(v)] as const));
  return Object.fromEntries(entries);
}
