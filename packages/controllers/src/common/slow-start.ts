// Kubernetes' slowStartBatch (pkg/controller/replicaset): many creates are issued in
// batches of 1, 2, 4, ... and stop at the first batch with a failure, so a request
// that will fail for every object (quota, a bad template) fails once or twice,
// not hundreds of times.
export const slowStartInitialBatchSize = 1;

export interface SlowStartResult {
  successes: number;
  /** The first failure, when a batch had one; later batches were not started. */
  error?: unknown;
}

export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<SlowStartResult> {
  let remaining = count;
  let successes = 0;
  for (let size = Math.min(remaining, initialBatchSize); size > 0; size = Math.min(2 * size, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: size }, () => fn()));
    successes += results.filter((r) => r.status === "fulfilled").length;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) return { successes, error: failed.reason };
    remaining -= size;
  }
  return { successes };
}
