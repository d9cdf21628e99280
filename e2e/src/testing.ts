// node:test glue: a test that knows its cluster, so a failure names the log files.
import { test } from "node:test";
import type { Cluster } from "./cluster.js";

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
