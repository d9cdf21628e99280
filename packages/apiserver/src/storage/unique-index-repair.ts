// Brings a unique index in line with the objects when an apiserver starts: values
// held by objects written before the index existed (or restored from elsewhere) are
// recorded, and keys whose holder is gone or no longer holds that value are removed.
// The index and the objects are read at one revision, and every change is a
// transaction on what was read, so masters starting together and writes racing the
// repair cannot make it wrong.
import { createLogger } from "@bosun/client";
import type { KubeObject } from "@bosun/api";
import { prefixEnd } from "./keys.js";
import type { Store } from "./store.js";
import { decodeEntry, findClash, putClaimOp, type UniqueIndex } from "./unique-index.js";

const log = createLogger("apiserver/unique-index");

export async function repairIndex(store: Store, index: UniqueIndex): Promise<void> {
  const { etcd } = store;
  const indexed = await etcd.kv.range({ key: Buffer.from(index.prefix), range_end: prefixEnd(index.prefix) });
  const revision = Number(indexed.header.revision);
  const objects = await store.listPrefix(store.keys.resourcePrefix(index.resource), revision);
  const byUid = new Map<string, { object: KubeObject; key: Buffer }>();
  objects.items.forEach((object, i) => byUid.set(object.metadata.uid ?? "", { object, key: Buffer.from(objects.keys[i]!) }));
  const revisionOf = (object: KubeObject) => Number(object.metadata.resourceVersion);

  const present = new Set<string>();
  let removed = 0;
  for (const kv of indexed.kvs) {
    const key = kv.key.toString("utf8");
    const entry = decodeEntry(kv);
    const holder = entry && byUid.get(entry.uid);
    if (holder && index.claims(holder.object).some((c) => c.key === key)) {
      present.add(key);
      continue;
    }
    // Stale: its holder was gone (or held something else) at the revision read. A
    // holder that appeared since would have had to write this very key.
    const res = await etcd.kv.txn({
      compare: [
        { key: kv.key, target: "Mod", result: "Equal", mod_revision: kv.mod_revision },
        ...(holder ? [{ key: holder.key, target: "Mod" as const, result: "Equal" as const, mod_revision: revisionOf(holder.object) }] : []),
      ],
      success: [{ request_delete_range: { key: kv.key } }],
      failure: [],
    });
    if (res.succeeded) removed++;
  }

  let added = 0;
  for (const { object, key } of byUid.values()) {
    for (const claim of index.claims(object)) {
      if (present.has(claim.key)) continue;
      const res = await etcd.kv.txn({
        compare: [{ key, target: "Mod", result: "Equal", mod_revision: revisionOf(object) }, ...index.freeCompares(claim)],
        success: [putClaimOp(object, claim)],
        failure: [],
      });
      if (res.succeeded) {
        added++;
        continue;
      }
      const clash = await findClash(etcd, index, [claim]);
      if (clash && clash.holder.uid !== object.metadata.uid) {
        log.warn(
          { kind: index.resource.kind, name: object.metadata.name, field: claim.field, value: claim.value, holder: clash.holder.name },
          `${claim.field} ${claim.value} of ${index.resource.kind} "${object.metadata.name}" ${clash.message}; ` +
            "both were set before the apiserver kept its index: delete one of the two objects so the range is held once",
        );
      }
    }
  }
  if (added > 0 || removed > 0) log.info({ index: index.prefix, added, removed }, "unique index repaired");
}
