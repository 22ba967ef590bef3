/**
 * Kubernetes resource quantities (`resource.Quantity`): a signed decimal number with an
 * optional binary (Ki..Ei), decimal (n, u, m, k, M, G, T, P, E) or exponent suffix.
 * See https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 */
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

/** True when `text` is a valid Kubernetes quantity. */
export function isQuantity(text: string): boolean {
  return QUANTITY.test(text);
}

/** A hint for common mistakes (`12GB`, `12gi`), or undefined when none applies. */
export function quantityHint(text: string): string | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([kKmMgGtTpPeE])([iI]?)[bB]?$/.exec(text.trim());
  if (!match) return undefined;
  const unit = match[2].toUpperCase() === "K" ? "K" : match[2].toUpperCase();
  return `${match[1]}${unit}i`;
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** The numeric value of a valid quantity (base units: cores, bytes, counts). */
export function quantityValue(text: string): number {
  const match = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(text);
  if (!match) throw new Error(`not a Kubernetes quantity: ${text}`);
  const number = Number(match[1]);
  const suffix = match[2] ?? "";
  if (/^[eE]/.test(suffix)) return number * 10 ** Number(suffix.slice(1));
  return number * (BINARY[suffix] ?? DECIMAL[suffix]);
}
