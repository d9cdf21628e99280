// node:test glue: a test that knows its cluster, so a failure names the log files.
import { after, before, test } from "node:test";
import { startCluster, type Cluster, type ClusterOptions } from "./cluster.js";

export const TEST_TIMEOUT_MS = 240_000;

export function e2eTest(name: string, cluster: () => Cluster, fn: (c: Cluster) => Promise<void>, timeoutMs = TEST_TIMEOUT_MS): void {
  test(name, { timeout: timeoutMs }, async () => {
    const c = cluster();
    try {
      await fn(c);
    } catch (err) {
      c.noteFailure(err, name);
      throw err;
    }
  });
}

/**
 * Starts a cluster before the suite's tests and stops it after them; the returned
 * function gives the running cluster to the tests.
 */
export function useCluster(opts: ClusterOptions): () => Cluster {
  let cluster: Cluster | undefined;
  before(async () => {
    cluster = await startCluster(opts);
  });
  after(async () => {
    await cluster?.stop();
  });
  return () => {
    if (!cluster) throw new Error("the e2e cluster did not start; see the error of the suite's before hook");
    return cluster;
  };
}
