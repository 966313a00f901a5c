/**
 * Kubernetes resource quantities (`100m`, `1.5`, `128Mi`, `1G`), read just
 * far enough to compare a workflow's request with the operator's ceiling.
 */
const SUFFIXES: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+]?[0-9]+(?:\.[0-9]*)?|[+]?\.[0-9]+)(?:[eE]([+-]?[0-9]+)|(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei))?$/;

/** The quantity as a plain number (cores for CPU, bytes for memory); undefined when it is not a quantity. */
export function quantityValue(quantity: string): number | undefined {
  const match = QUANTITY.exec(quantity.trim());
  if (!match) return undefined;
  const base = Number(match[1]);
  if (match[2] !== undefined) return base * 10 ** Number(match[2]);
  return base * (SUFFIXES[match[3] ?? ''] ?? 1);
}

export function isQuantity(quantity: string): boolean {
  return quantityValue(quantity) !== undefined;
}

/** The smaller of two quantities, keeping its original spelling. */
export function minQuantity(a: string, b: string): string {
  const left = quantityValue(a);
  const right = quantityValue(b);
  if (left === undefined) return b;
  if (right === undefined) return a;
  return left <= right ? a : b;
}
