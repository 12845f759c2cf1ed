/** Latency summary of one sequential run: nearest-rank percentiles, throughput over the whole run. */
export type LatencySummary = {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  opsPerSec: number;
};

/** Rounds to `digits` decimals; results.json stores figures exactly as the table prints them. */
export const round = (value: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

/** Nearest-rank percentile (q in 0..1) of an ascending array. */
export function percentile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

export const median = (values: readonly number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

/** Per-call times of one or more sequential runs, and the time spent inside the calls. */
export type Samples = { samplesMs: number[]; totalMs: number };

export function summarize(...runs: Samples[]): LatencySummary {
  const sorted = runs.flatMap((r) => r.samplesMs).sort((a, b) => a - b);
  const totalMs = runs.reduce((sum, r) => sum + r.totalMs, 0);
  return {
    requests: sorted.length,
    p50Ms: round(percentile(sorted, 0.5), 3),
    p99Ms: round(percentile(sorted, 0.99), 3),
    meanMs: round(sorted.reduce((a, b) => a + b, 0) / sorted.length, 3),
    opsPerSec: Math.round(sorted.length / (totalMs / 1000)),
  };
}

/**
 * Calls `step(i)` n times, one at a time (a warm Lambda container serves one request at a time),
 * timing each call; `prepare(i)` builds the input outside the timed window.
 */
export async function sequential<T>(
  n: number,
  prepare: (i: number) => T,
  step: (input: T, i: number) => Promise<unknown>,
): Promise<Samples> {
  const samplesMs = new Array<number>(n);
  let totalMs = 0;
  for (let i = 0; i < n; i++) {
    const input = prepare(i);
    const t0 = performance.now();
    await step(input, i);
    const ms = performance.now() - t0;
    samplesMs[i] = ms;
    totalMs += ms;
  }
  return { samplesMs, totalMs };
}
