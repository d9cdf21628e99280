// Values no two objects may hold at once (a node's pod CIDRs; Services' cluster IPs
// and node ports), kept unique by storage itself rather than by the
// memory of whichever controller hands them out. Each value an object holds is an
// index key beside the objects, under a prefix of its own (so lists and the watch
// cache never see it), written in the same etcd transaction as the object: created
// with compares that fail while anything else holds that value or one that clashes
// with it, deleted when the object lets go of it or is deleted. Of two masters
// racing for one value, exactly one transaction succeeds.
import type { Etcd3, ICompare, IKeyValue, IRequestOp } from "etcd3";
import type { KubeObject, ResourceInfo } from "@bosun/api";

/** One value an object holds. */
export interface IndexClaim {
  /** Where the object holds it, for messages: "spec.podCIDRs[0]". */
  field: string;
  value: string;
  /** The value as the field holds it, for messages, when it is not a string (a port number). */
  fieldValue?: unknown;
  /** The index key that records it. */
  key: string;
}

/** What an index key records: who holds the value, so a clash can name it. */
export interface IndexEntry {
  name: string;
  uid: string;
  value: string;
}

export interface UniqueIndex {
  /** The resource whose objects hold the values. */
  readonly resource: ResourceInfo;
  /** The prefix of every key of this index, outside the objects' prefix. */
  readonly prefix: string;
  /** The values the object holds. Invalid ones are skipped: validation refuses them. */
  claims(object: KubeObject): IndexClaim[];
  /** Compares that hold only while no key clashes with claim (its own key included). */
  freeCompares(claim: IndexClaim): ICompare[];
  /** Reads of every key that would clash with claim, to name the holder after a failed write. */
  clashReads(claim: IndexClaim): IRequestOp[];
  /** Why claim cannot be taken while holder holds its value, worded for a field error. */
  clashMessage(claim: IndexClaim, holder: IndexEntry): string;
}

/** A write refused because another object holds a value it claims. */
export interface IndexClash {
  claim: IndexClaim;
  holder: IndexEntry;
  message: string;
}

/** The compares and requests that move the index from what prev holds to what next holds. */
export interface IndexChange {
  compare: ICompare[];
  ops: IRequestOp[];
  /** Claims next takes that prev did not hold: the ones that can clash. */
  added: IndexClaim[];
}

export const noIndexChange: IndexChange = { compare: [], ops: [], added: [] };

function encodeEntry(entry: IndexEntry): Buffer {
  return Buffer.from(JSON.stringify({ name: entry.name, uid: entry.uid, value: entry.value }));
}

export function decodeEntry(kv: IKeyValue): IndexEntry | undefined {
  try {
    const parsed = JSON.parse(kv.value.toString("utf8")) as Partial<IndexEntry>;
    return { name: String(parsed.name ?? ""), uid: String(parsed.uid ?? ""), value: String(parsed.value ?? "") };
  } catch {
    return undefined;
  }
}

function entryFor(object: KubeObject, claim: IndexClaim): IndexEntry {
  return { name: object.metadata.name ?? "", uid: object.metadata.uid ?? "", value: claim.value };
}

/** The request that records object as claim's holder; callers guard it with freeCompares(claim). */
export function putClaimOp(object: KubeObject, claim: IndexClaim): IRequestOp {
  return { request_put: { key: Buffer.from(claim.key), value: encodeEntry(entryFor(object, claim)) } };
}

/**
 * Deletes the key only while it still records object as the holder: an index that
 * is somehow wrong is never made worse by deleting a key another object holds. A
 * nested transaction, so a mismatch skips the delete without failing the write.
 */
function releaseClaimOp(object: KubeObject, claim: IndexClaim): IRequestOp {
  const key = Buffer.from(claim.key);
  return {
    request_txn: {
      compare: [{ key, target: "Value", result: "Equal", value: encodeEntry(entryFor(object, claim)) }],
      success: [{ request_delete_range: { key } }],
      failure: [],
    },
  };
}

export function indexChange(index: UniqueIndex, prev: KubeObject | undefined, next: KubeObject | undefined): IndexChange {
  const before = new Map((prev ? index.claims(prev) : []).map((c) => [c.key, c]));
  const after = new Map((next ? index.claims(next) : []).map((c) => [c.key, c]));
  const added = [...after.values()].filter((c) => !before.has(c.key));
  const released = [...before.values()].filter((c) => !after.has(c.key));
  if (added.length === 0 && released.length === 0) return noIndexChange;
  return {
    compare: added.flatMap((c) => index.freeCompares(c)),
    ops: [...added.map((c) => putClaimOp(next!, c)), ...released.map((c) => releaseClaimOp(prev!, c))],
    added,
  };
}

/** Who holds what stops one of claims, read after a write failed on the index's compares. */
export async function findClash(etcd: Etcd3, index: UniqueIndex, claims: readonly IndexClaim[]): Promise<IndexClash | undefined> {
  for (const claim of claims) {
    const res = await etcd.kv.txn({ compare: [], success: index.clashReads(claim), failure: [] });
    for (const response of res.responses) {
      const kv = response.response_range?.kvs[0];
      const holder = kv && decodeEntry(kv);
      if (holder) return { claim, holder, message: index.clashMessage(claim, holder) };
    }
  }
  return undefined;
}
