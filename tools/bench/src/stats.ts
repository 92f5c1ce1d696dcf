export interface LatencySummary {
  readonly samples: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentiles; NaN everywhere when there is nothing to summarise. */
export function summarize(samples: Float64Array): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  const rank = (p: number) => (n === 0 ? NaN : (sorted[Math.max(0, Math.ceil((p / 100) * n) - 1)] as number));
  const mean = n === 0 ? NaN : sorted.reduce((sum, x) => sum + x, 0) / n;
  return { samples: n, p50: rank(50), p90: rank(90), p95: rank(95), p99: rank(99), max: rank(100), mean };
}
