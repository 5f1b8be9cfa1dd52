// Pure statistics the benchmark's figures are made of.

/** The fastest of a set of runs (the first on a tie); undefined for none. */
export const best = <T extends { documentsPerSecond: number }>(xs: readonly T[]): T | undefined =>
  xs.reduce<T | undefined>((b, x) => (!b || x.documentsPerSecond > b.documentsPerSecond ? x : b), undefined);

/** a / b to three decimals; null when either is missing (or b is 0). */
export const ratio = (a: number | undefined, b: number | undefined): number | null => (a !== undefined && b ? +(a / b).toFixed(3) : null);

/** The median, rounded to `digits` decimals; undefined for none. */
export const median = (xs: readonly number[], digits = 1): number | undefined => {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return +(s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2).toFixed(digits);
};
