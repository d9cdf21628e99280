// Periodic compaction of etcd's history, as kube-apiserver's compactor does
// (k8s.io/apiserver/pkg/storage/etcd3/compact.go). Without it etcd keeps every
// revision of every key until its space quota is exhausted; with it, reads and
// watches older than one to two intervals answer 410 Expired.
//
// Several masters share the work through one key: its version is a logical clock.
// Each round a master compare-and-swaps the key's version from what it last saw;
// the winner compacts to the revision recorded the round before, so history of at
// least one interval survives; a loser only learns the current version and tries
// again next interval, taking over if the winner dies.
import type { Etcd3 } from "etcd3";
import { createLogger } from "@bosun/client";

const log = createLogger("apiserver/compactor");

/** The key Kubernetes uses for the same purpose, so the protocol is the same. */
const compactRevKey = "compact_rev_key";

export class Compactor {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The key's version this master last saw. */
  private compactTime = 0;
  /** The store revision at the previous round: what the next successful round compacts to. */
  private revision = 0;

  constructor(
    private readonly etcd: Etcd3,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round()
        .catch((err: unknown) => log.warn({ err: String(err) }, "etcd compaction failed; trying again next interval"))
        .finally(() => this.schedule());
    }, this.intervalMs);
  }

  /** One round: take the turn if nobody else did since our last look, and compact. */
  async round(): Promise<void> {
    const key = Buffer.from(compactRevKey);
    const res = await this.etcd.kv.txn({
      compare: [{ key, target: "Version", result: "Equal", version: this.compactTime }],
      success: [{ request_put: { key, value: Buffer.from(String(this.revision)) } }],
      failure: [{ request_range: { key } }],
    });
    const current = Number(res.header.revision);
    if (!res.succeeded) {
      this.compactTime = Number(res.responses[0]?.response_range.kvs[0]?.version ?? 0);
      this.revision = current;
      return;
    }
    this.compactTime++;
    const target = this.revision;
    this.revision = current;
    // The first round only records where history starts.
    if (target === 0) return;
    await this.etcd.kv.compact({ revision: target });
    log.info({ revision: target }, "compacted etcd history");
  }
}
