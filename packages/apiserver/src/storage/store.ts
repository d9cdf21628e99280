// The object store over etcd: one JSON value per object, compare-and-swap on the
// key's mod_revision for every write. resourceVersion is never trusted from the
// stored bytes: it is the key's mod_revision, set on every read.
import type { Etcd3, ICompare, IKeyValue, IRequestOp } from "etcd3";
import { resources, type KubeObject, type ResourceInfo } from "@bosun/api";
import { createLogger } from "@bosun/client";
import { KeyLayout, prefixEnd } from "./keys.js";
import type { EncryptionConfiguration } from "./value/encryption-config.js";
import { EncryptionProviders } from "./value/encryption-providers.js";
import { identityTransformer } from "./value/transformer.js";
import { PodCidrIndex } from "./pod-cidr-index.js";
import { repairIndex } from "./unique-index-repair.js";
import { ServiceAllocationIndex } from "./service-allocation-index.js";
import { findClash, indexChange, noIndexChange, type IndexClash, type UniqueIndex } from "./unique-index.js";

const log = createLogger("apiserver/store");

export interface StoredObject {
  object: KubeObject;
  /** The key's mod_revision. */
  revision: number;
  /** Stored with a provider or key other than the one writes use now: a write must happen even when nothing changed. */
  stale?: boolean;
}

/** Turns etcd values into objects carrying their resourceVersion, through the encryption providers in force. */
export type ObjectDecoder = (kv: IKeyValue, revision?: number) => KubeObject;

/** A lost write: the key was taken, or (with clash) another object holds a value this one claims. */
export type CasResult = { ok: true; revision: number } | { ok: false; clash?: IndexClash };

/**
 * The outcome of a compare-and-swap on an existing key. A lost one carries the
 * key's value as it is now (undefined when it is gone), read in the same
 * transaction, so the writer decides again without another round trip, as
 * Kubernetes' GuaranteedUpdate does.
 */
export type SwapResult = { ok: true; revision: number } | { ok: false; current: StoredObject | undefined; clash?: IndexClash };

/** How often a write that failed on an index is tried again when the clash it hit is gone before it could be named. */
const maxIndexAttempts = 5;

export class Store {
  readonly keys: KeyLayout;
  /** The unique indexes, by the kind whose objects hold their values. */
  readonly indexes: ReadonlyMap<string, UniqueIndex>;
  /** The Services' cluster IPs and node ports, which the Service allocator reads to pick free ones. */
  readonly serviceAllocations: ServiceAllocationIndex;

  /** The encryption providers; none means every value is stored as it is. */
  readonly encryption: EncryptionProviders | undefined;

  constructor(
    readonly etcd: Etcd3,
    prefix: string,
    encryption?: EncryptionConfiguration,
  ) {
    this.keys = new KeyLayout(prefix);
    this.encryption = encryption ? new EncryptionProviders(this.keys.root, encryption) : undefined;
    this.serviceAllocations = new ServiceAllocationIndex(this.keys.root);
    this.indexes = new Map([new PodCidrIndex(this.keys.root), this.serviceAllocations].map((index) => [index.resource.kind, index]));
  }

  /** Decodes one etcd value into an object carrying its resourceVersion (the key's mod_revision unless given). */
  readonly decode: ObjectDecoder = (kv, revision) => this.read(kv, revision).object;

  private read(kv: IKeyValue, revision = Number(kv.mod_revision)): { object: KubeObject; stale: boolean } {
    const key = kv.key.toString("utf8");
    const { data, stale } = (this.encryption?.forKey(key) ?? identityTransformer).fromStorage(kv.value, key);
    const object = JSON.parse(data.toString("utf8")) as KubeObject;
    object.metadata = { ...object.metadata, resourceVersion: String(revision) };
    return { object, stale };
  }

  private stored(kv: IKeyValue): StoredObject {
    const { object, stale } = this.read(kv);
    return { object, revision: Number(kv.mod_revision), ...(stale ? { stale } : {}) };
  }

  private encode(key: Buffer, object: KubeObject): Buffer {
    const { resourceVersion: _rv, ...metadata } = object.metadata;
    const name = key.toString("utf8");
    return (this.encryption?.forKey(name) ?? identityTransformer).toStorage(Buffer.from(JSON.stringify({ ...object, metadata })), name);
  }

  /** etcd's current revision, from a count-only range (no values cross the wire). */
  async currentRevision(): Promise<number> {
    const key = this.keys.root + "/";
    const res = await this.etcd.kv.range({ key: Buffer.from(key), range_end: prefixEnd(key), count_only: true });
    return Number(res.header.revision);
  }

  async get(info: ResourceInfo, namespace: string | undefined, name: string): Promise<StoredObject | undefined> {
    const res = await this.etcd.kv.range({ key: Buffer.from(this.keys.objectKey(info, namespace, name)) });
    const kv = res.kvs[0];
    return kv ? this.stored(kv) : undefined;
  }

  /** Every object under prefix at one revision (the current one unless given). */
  async listPrefix(prefix: string, revision?: number): Promise<{ items: KubeObject[]; keys: string[]; revision: number }> {
    const res = await this.etcd.kv.range({
      key: Buffer.from(prefix),
      range_end: prefixEnd(prefix),
      ...(revision !== undefined ? { revision } : {}),
    });
    const items: KubeObject[] = [];
    const keys: string[] = [];
    for (const kv of res.kvs) {
      const key = kv.key.toString("utf8");
      try {
        items.push(this.decode(kv));
        keys.push(key);
      } catch (err) {
        // One value that cannot be read (a key no provider has) must not hide all the others; a get of it says why.
        log.error({ key, err: (err as Error).message }, "a value in etcd cannot be read; it is left out of the listing");
      }
    }
    return { items, keys, revision: Number(res.header.revision) };
  }

  /**
   * Up to limit (0: all) keys from startKey to the end of prefix, at revision (the
   * current one unless given). count is how many keys that whole range holds.
   */
  async range(
    prefix: string,
    startKey: string,
    limit: number,
    revision?: number,
  ): Promise<{ kvs: IKeyValue[]; more: boolean; count: number; revision: number }> {
    const res = await this.etcd.kv.range({
      key: Buffer.from(startKey),
      range_end: prefixEnd(prefix),
      ...(limit > 0 ? { limit } : {}),
      ...(revision !== undefined ? { revision } : {}),
    });
    return { kvs: res.kvs, more: res.more, count: Number(res.count), revision: Number(res.header.revision) };
  }

  /** Puts object only if its key does not exist; with lease, etcd removes it when the lease expires. */
  async create(info: ResourceInfo, object: KubeObject, lease?: string): Promise<CasResult> {
    const key = Buffer.from(this.keys.objectKey(info, object.metadata.namespace, object.metadata.name ?? ""));
    const res = await this.write(info, undefined, object, {
      key,
      compare: { key, target: "Create", result: "Equal", create_revision: 0 },
      op: { request_put: { key, value: this.encode(key, object), ...(lease !== undefined ? { lease } : {}) } },
      lost: (kv) => kv !== undefined,
    });
    if (res.ok) return res;
    return res.clash ? { ok: false, clash: res.clash } : { ok: false };
  }

  /** Puts object only if its key's mod_revision is still expected's; lease as for create. */
  async update(info: ResourceInfo, object: KubeObject, expected: StoredObject, lease?: string): Promise<SwapResult> {
    const key = Buffer.from(this.keys.objectKey(info, object.metadata.namespace, object.metadata.name ?? ""));
    return this.swap(info, key, expected, object, { request_put: { key, value: this.encode(key, object), ...(lease !== undefined ? { lease } : {}) } });
  }

  /** Deletes the object only if its key's mod_revision is still expected's. */
  async delete(info: ResourceInfo, namespace: string | undefined, name: string, expected: StoredObject): Promise<SwapResult> {
    const key = Buffer.from(this.keys.objectKey(info, namespace, name));
    return this.swap(info, key, expected, undefined, { request_delete_range: { key } });
  }

  private async swap(info: ResourceInfo, key: Buffer, expected: StoredObject, next: KubeObject | undefined, op: IRequestOp): Promise<SwapResult> {
    const res = await this.write(info, expected.object, next, {
      key,
      compare: { key, target: "Mod", result: "Equal", mod_revision: expected.revision },
      op,
      lost: (kv) => kv === undefined || Number(kv.mod_revision) !== expected.revision,
    });
    if (res.ok) return res;
    const kv = res.current;
    const current = kv ? this.stored(kv) : undefined;
    return res.clash ? { ok: false, current, clash: res.clash } : { ok: false, current };
  }

  /**
   * One write's transaction: the object's own compare and request, plus what the
   * unique index of its kind (if any) must check and change, so the object and the
   * values it holds are written together or not at all. The failure branch reads
   * the object's key, which tells a lost race from a clash on the index without
   * another round trip; a clash is then looked up to name the object holding it.
   */
  private async write(
    info: ResourceInfo,
    prev: KubeObject | undefined,
    next: KubeObject | undefined,
    own: { key: Buffer; compare: ICompare; op: IRequestOp; lost: (current: IKeyValue | undefined) => boolean },
  ): Promise<{ ok: true; revision: number } | { ok: false; current: IKeyValue | undefined; clash?: IndexClash }> {
    const index = this.indexes.get(info.kind);
    const change = index ? indexChange(index, prev, next) : noIndexChange;
    for (let attempt = 1; ; attempt++) {
      const res = await this.etcd.kv.txn({
        compare: [own.compare, ...change.compare],
        success: [own.op, ...change.ops],
        failure: [{ request_range: { key: own.key } }],
      });
      if (res.succeeded) return { ok: true, revision: Number(res.header.revision) };
      const current = res.responses[0]?.response_range.kvs[0];
      if (!index || change.added.length === 0 || own.lost(current)) return { ok: false, current };
      const clash = await findClash(this.etcd, index, change.added);
      if (clash) return { ok: false, current, clash };
      // The value was held when the write ran and free when the holder was looked up.
      if (attempt >= maxIndexAttempts) {
        throw new Error(
          `the ${index.resource.resource} index under ${index.prefix} changed during each of ${maxIndexAttempts} attempts ` +
            `to write ${own.key.toString("utf8")}; retry the request`,
        );
      }
    }
  }

  /**
   * Checks that every stored value of the encrypted resources reads with the
   * providers in force; throws naming the first that does not and what to do. Run
   * at start: a master whose file lacks a key another master writes with would
   * otherwise serve those Secrets as errors.
   */
  async checkEncryptedValues(): Promise<void> {
    const encryption = this.encryption;
    if (!encryption) return;
    for (const resource of encryption.configuredResources()) {
      const [name, group] = resource.split(/\.(.*)/s);
      const prefix = `${this.keys.root}/${group || "core"}/${name}/`;
      const res = await this.etcd.kv.range({ key: Buffer.from(prefix), range_end: prefixEnd(prefix) });
      const failures: string[] = [];
      for (const kv of res.kvs) {
        try {
          this.read(kv);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
      if (failures.length > 0) {
        throw new Error(
          `${failures.length} of the ${res.kvs.length} ${resource} in etcd cannot be read with this master's encryption configuration; ` +
            `the first: ${failures[0]}. Every master needs the same --encryption-provider-config file: copy it from a master that reads them`,
        );
      }
    }
  }

  /** Brings every unique index in line with the objects (see unique-index-repair.ts); run at start. */
  async repairIndexes(): Promise<void> {
    for (const index of this.indexes.values()) await repairIndex(this, index);
  }

  /** Removes every key under prefix in one request. */
  async deletePrefix(prefix: string): Promise<void> {
    await this.etcd.kv.deleteRange({ key: Buffer.from(prefix), range_end: prefixEnd(prefix) });
  }

  namespacedResources(): readonly ResourceInfo[] {
    return resources.filter((r) => r.namespaced);
  }
}
