// Small helpers the scenarios and the report share.

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const MiB = 1024 * 1024;
export const round = (n: number, digits = 2): number => (Number.isFinite(n) ? Number(n.toFixed(digits)) : 0);

/** A rate or count as the logs and tables show it: 950, 1.2k, 25k, 1.50M. */
export function fmt(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}
